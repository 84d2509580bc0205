import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeMessage } from '@/lib/domain/events/decode';
import { newTraceContext } from '@/lib/domain/events/trace-context';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { placeOrderSchema } from '@/lib/demo/orders/command-schemas';
import { POISON_KINDS, buildPoison, type PoisonMessage } from '@/lib/demo/poison';
import { createTrafficGenerator, randomOrder, type GeneratedOrder } from '@/lib/demo/traffic';

function seeded(seed: number): () => number {
  // mulberry32: deterministic, good enough for distribution checks.
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let ids = 0;
const newId = () => `01a21b6e-0000-7000-8000-${String(++ids).padStart(12, '0')}`;

describe('random orders', () => {
  it('are valid PlaceOrder inputs from c-1..c-50, ~5% declined, ~1% over the payment limit', () => {
    const random = seeded(42);
    const orders = Array.from({ length: 10_000 }, () => randomOrder(random));
    for (const o of orders) expect(placeOrderSchema.safeParse(o).success).toBe(true);
    const customers = new Set(orders.map((o) => o.customerId.replace('declined-', '')));
    expect(customers.size).toBe(50);
    expect([...customers].every((c) => /^c-([1-9]|[1-4]\d|50)$/.test(c))).toBe(true);
    const declined = orders.filter((o) => o.customerId.startsWith('declined-')).length / orders.length;
    expect(declined).toBeGreaterThan(0.035);
    expect(declined).toBeLessThan(0.065);
    const overLimit = orders.filter((o) => o.amountCents > 500_000).length / orders.length;
    expect(overLimit).toBeGreaterThan(0.005);
    expect(overLimit).toBeLessThan(0.02);
  });
});

describe('poison messages', () => {
  it('each kind fails the real decoder with its own error class', () => {
    const registry = createOrderEventRegistry();
    const codes = POISON_KINDS.map((kind) => {
      const message = buildPoison(kind, { newId, now: () => new Date('2026-11-27T10:00:00Z') });
      const result = decodeMessage(registry, { value: message.value, headers: {} }, { newTrace: () => newTraceContext((n) => randomBytes(n).toString('hex')) });
      return [kind, result.ok ? 'ok' : result.error.code];
    });
    expect(Object.fromEntries(codes)).toEqual({
      'malformed-json': 'undecodable',
      'non-utf8': 'undecodable',
      'unknown-type': 'unknown_type',
      'future-version': 'unsupported_version',
      'schema-invalid': 'schema_invalid',
    });
  });
});

/** A fake clock where sleeping advances time, so the loop runs instantly. */
function fakeTime() {
  let t = 0;
  return { clock: () => t, sleep: async (ms: number) => void (t += ms), advance: (ms: number) => void (t += ms) };
}

async function runFor(ms: number, options: { rate: (t: number) => number; poisonShare?: number; placeOrder?: (o: GeneratedOrder) => Promise<unknown>; producePoison?: (m: PoisonMessage) => Promise<void>; random?: () => number }) {
  const time = fakeTime();
  const orders: GeneratedOrder[] = [];
  const poison: PoisonMessage[] = [];
  const stop = new AbortController();
  const generator = createTrafficGenerator({
    knobs: () => ({ ratePerSecond: options.rate(time.clock()), poisonShare: options.poisonShare ?? 0 }),
    placeOrder: options.placeOrder ?? (async (o) => void orders.push(o)),
    producePoison: options.producePoison ?? (async (m) => void poison.push(m)),
    newId,
    random: options.random ?? seeded(7),
    clock: time.clock,
    sleep: async (d) => {
      time.advance(d);
      if (time.clock() >= ms) stop.abort();
      await Promise.resolve();
    },
  });
  const stats = await generator.run(stop.signal);
  return { stats, orders, poison, time };
}

describe('traffic generator loop', () => {
  it('places orders at the knob rate', async () => {
    const { stats } = await runFor(10_000, { rate: () => 10 });
    expect(stats.placed).toBeGreaterThanOrEqual(99);
    expect(stats.placed).toBeLessThanOrEqual(101);
  });

  it('places nothing at rate 0 and picks up a rate change within a tick', async () => {
    const { stats } = await runFor(10_000, { rate: (t) => (t < 5_000 ? 0 : 20) });
    expect(stats.placed).toBeGreaterThanOrEqual(97);
    expect(stats.placed).toBeLessThanOrEqual(101);
    const idle = await runFor(10_000, { rate: () => 0 });
    expect(idle.stats.placed).toBe(0);
  });

  it('a rate lowered mid-wait applies without waiting out the old interval', async () => {
    // 0.1/s would wait 10 s; switched to 50/s after 1 s it must be placing within ~250 ms.
    const { stats } = await runFor(3_000, { rate: (t) => (t < 1_000 ? 0.1 : 50) });
    expect(stats.placed).toBeGreaterThanOrEqual(85);
  });

  it('sends poison at poisonShare, rotating through every kind', async () => {
    const { stats, poison } = await runFor(10_000, { rate: () => 10, poisonShare: 1 });
    expect(stats.placed).toBe(0);
    expect(poison.length).toBeGreaterThanOrEqual(99);
    expect(poison.slice(0, 5).map((p) => p.kind)).toEqual([...POISON_KINDS]);
  });

  it('skips poison while the broker fails, without slowing the orders', async () => {
    const { stats } = await runFor(10_000, { rate: () => 20, poisonShare: 0.5, producePoison: async () => Promise.reject(new Error('broker down')) });
    expect(stats.poisoned).toBe(0);
    expect(stats.failed).toBeGreaterThanOrEqual(1);
    expect(stats.failed).toBeLessThanOrEqual(3); // one try per 5 s back-off
    expect(stats.poisonSkipped).toBeGreaterThan(50);
    expect(stats.placed).toBeGreaterThan(70);
  });

  it('counts failed orders and keeps going', async () => {
    const { stats } = await runFor(5_000, { rate: () => 10, placeOrder: async () => Promise.reject(new Error('database down')) });
    expect(stats.placed).toBe(0);
    expect(stats.failed).toBeGreaterThanOrEqual(49);
  });
});
