// The traffic generator's loop: places orders at knobs.ratePerSecond (re-read
// every tick, so a knob change applies within a fraction of a second) and,
// with probability knobs.poisonShare, sends a poison message instead. Work runs
// concurrently up to maxInFlight; poison goes one at a time on its own budget
// and is skipped while the broker is failing, so Kafka trouble never slows the
// orders. Clock, sleep and randomness are injected.
import type { DemoKnobs } from './knobs';
import { POISON_KINDS, buildPoison, type PoisonMessage } from './poison';

export const CUSTOMER_COUNT = 50;
export const DECLINED_SHARE = 0.05;
export const OVER_LIMIT_SHARE = 0.01;
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP'] as const;
const MAX_TICK_MS = 250;

export interface GeneratedOrder {
  kind: 'PlaceOrder';
  customerId: string;
  amountCents: number;
  currency: string;
  channel: 'generator';
}

/** A random order: customers c-1..c-50, ~5% of them "declined-" ones, ~1% above the payment limit. */
export function randomOrder(random: () => number): GeneratedOrder {
  const n = 1 + Math.floor(random() * CUSTOMER_COUNT);
  const customerId = random() < DECLINED_SHARE ? `declined-c-${n}` : `c-${n}`;
  const amountCents = random() < OVER_LIMIT_SHARE ? 500_001 + Math.floor(random() * 1_500_000) : 199 + Math.floor(random() * 49_800);
  const currency = CURRENCIES[Math.floor(random() * CURRENCIES.length)]!;
  return { kind: 'PlaceOrder', customerId, amountCents, currency, channel: 'generator' };
}

export interface TrafficStats {
  placed: number;
  poisoned: number;
  /** Poison messages not sent because the producer was busy or recently failed (broker down). */
  poisonSkipped: number;
  failed: number;
}

/** After a failed poison send, poison is skipped for this long: a down broker must not slow the orders. */
export const POISON_BACKOFF_MS = 5_000;

export interface TrafficDeps {
  knobs: () => Pick<DemoKnobs, 'ratePerSecond' | 'poisonShare'>;
  placeOrder: (order: GeneratedOrder) => Promise<unknown>;
  producePoison: (message: PoisonMessage) => Promise<void>;
  newId: () => string;
  maxInFlight?: number;
  random?: () => number;
  /** Milliseconds, monotonic. */
  clock?: () => number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Failures are reported here, at most once a second (a down database must not flood the log). */
  log?: (line: string) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createTrafficGenerator(deps: TrafficDeps) {
  const random = deps.random ?? Math.random;
  const clock = deps.clock ?? (() => performance.now());
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? defaultSleep;
  const maxInFlight = deps.maxInFlight ?? 16;
  const stats: TrafficStats = { placed: 0, poisoned: 0, poisonSkipped: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  let poisonIndex = 0;
  // At most one poison send at a time, on its own budget, so orders never wait for Kafka.
  let poisonBusy = false;
  let poisonPausedUntil = -Infinity;
  let lastLogAt = -Infinity;
  let unlogged = 0;

  function fail(what: string, error: unknown): void {
    stats.failed++;
    unlogged++;
    const t = clock();
    if (t - lastLogAt < 1000) return;
    deps.log?.(`traffic: ${unlogged} failure(s); latest ${what}: ${error instanceof Error ? error.message : String(error)}`);
    lastLogAt = t;
    unlogged = 0;
  }

  function track(work: Promise<void>): void {
    const tracked = work.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  function firePoison(): void {
    if (poisonBusy || clock() < poisonPausedUntil) {
      stats.poisonSkipped++;
      return;
    }
    poisonBusy = true;
    const message = buildPoison(POISON_KINDS[poisonIndex++ % POISON_KINDS.length]!, { newId: deps.newId, now });
    const work = deps.producePoison(message).then(
      () => void stats.poisoned++,
      (error: unknown) => {
        poisonPausedUntil = clock() + POISON_BACKOFF_MS;
        fail('poison message', error);
      },
    );
    // Outside the order budget, and not awaited on shutdown: a send stuck on a down broker is abandoned.
    void work.finally(() => {
      poisonBusy = false;
    });
  }

  function fireOrder(): void {
    track(
      deps.placeOrder(randomOrder(random)).then(
        () => void stats.placed++,
        (error: unknown) => fail('order', error),
      ),
    );
  }

  /** Runs until `signal` aborts, then waits for the orders in flight. */
  async function run(signal: AbortSignal): Promise<TrafficStats> {
    let last = clock();
    while (!signal.aborted) {
      const { ratePerSecond, poisonShare } = deps.knobs();
      if (ratePerSecond <= 0) {
        await sleep(MAX_TICK_MS);
        last = clock();
        continue;
      }
      const interval = 1000 / ratePerSecond;
      const t = clock();
      const due = last + interval;
      if (t < due) {
        await sleep(Math.min(due - t, MAX_TICK_MS));
        continue;
      }
      if (inFlight.size >= maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      // Behind by more than a second (slow database, paused process): skip ahead rather than burst.
      last = t - due > 1000 ? t : due;
      if (random() < poisonShare) firePoison();
      else fireOrder();
    }
    await Promise.allSettled([...inFlight]);
    return { ...stats };
  }

  return { run, stats: (): TrafficStats => ({ ...stats }), inFlight: () => inFlight.size };
}
