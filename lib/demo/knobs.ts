// The demo's live fault knobs (row id=1 of demo_knobs): how fast the traffic
// generator places orders, how much of it is poison, how often consumers fail
// or crawl, which consumer is stopped (leaves its group) or stalled (stays, stops committing). Changed from the CLI or the console while
// everything runs; workers see changes through a polling cache within ~1 s.
import { z } from 'zod';
import type { Db, Prisma } from '../adapters/prisma/client';
import { CONSUMER_NAME } from '../backbone/consumer-definition';
import { AppError } from '../errors';
import { inputIssues } from '../domain/input-issues';

const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const consumerName = z.string().regex(CONSUMER_NAME, 'must be a consumer name (lowercase letters, digits, "-")');

const fields = {
  ratePerSecond: z.number().min(0, 'must be between 0 and 200').max(200, 'must be between 0 and 200'),
  poisonShare: share,
  transientFailureShare: share,
  permanentFailureShare: share,
  slowConsumer: consumerName.nullable(),
  slowMs: z.number().int('must be whole milliseconds').min(0, 'must be between 0 and 10000').max(10_000, 'must be between 0 and 10000'),
  stoppedConsumer: consumerName.nullable(),
  /** Keeps its group membership (heartbeats) but stops fetching and committing: STALL. */
  stalledConsumer: consumerName.nullable(),
};

export const DEFAULT_KNOBS = {
  ratePerSecond: 2,
  poisonShare: 0.02,
  transientFailureShare: 0.05,
  permanentFailureShare: 0.01,
  slowConsumer: null,
  slowMs: 500,
  stoppedConsumer: null,
  stalledConsumer: null,
} as const satisfies { [K in keyof typeof fields]: z.infer<(typeof fields)[K]> };

const failuresFit = (k: { transientFailureShare: number; permanentFailureShare: number }) => k.transientFailureShare + k.permanentFailureShare <= 1;
const failuresFitIssue = { message: 'transientFailureShare + permanentFailureShare must be at most 1', path: ['permanentFailureShare'] };

/** A complete set of knobs; missing fields take their defaults, unknown fields are refused. */
export const knobsSchema = z
  .strictObject({
    ratePerSecond: fields.ratePerSecond.default(DEFAULT_KNOBS.ratePerSecond),
    poisonShare: fields.poisonShare.default(DEFAULT_KNOBS.poisonShare),
    transientFailureShare: fields.transientFailureShare.default(DEFAULT_KNOBS.transientFailureShare),
    permanentFailureShare: fields.permanentFailureShare.default(DEFAULT_KNOBS.permanentFailureShare),
    slowConsumer: fields.slowConsumer.default(DEFAULT_KNOBS.slowConsumer),
    slowMs: fields.slowMs.default(DEFAULT_KNOBS.slowMs),
    stoppedConsumer: fields.stoppedConsumer.default(DEFAULT_KNOBS.stoppedConsumer),
    stalledConsumer: fields.stalledConsumer.default(DEFAULT_KNOBS.stalledConsumer),
  })
  .refine(failuresFit, failuresFitIssue);
export type DemoKnobs = z.output<typeof knobsSchema>;

/** A change to some knobs: only the given fields, no defaults filled in. */
export const knobsUpdateSchema = z.strictObject(fields).partial();
export type DemoKnobsUpdate = z.input<typeof knobsUpdateSchema>;

const actorSchema = z.string().regex(/^[\x20-\x7e]{1,200}$/, 'must be 1-200 printable ASCII characters');

/** Stored settings, tolerant of fields added or removed since they were written: bad or unknown values fall back to defaults. */
function fromStored(settings: unknown): DemoKnobs {
  const stored = settings && typeof settings === 'object' && !Array.isArray(settings) ? (settings as Record<string, unknown>) : {};
  const knobs: Record<string, unknown> = { ...DEFAULT_KNOBS };
  for (const [name, schema] of Object.entries(fields)) {
    if (!(name in stored)) continue;
    const parsed = schema.safeParse(stored[name]);
    if (parsed.success) knobs[name] = parsed.data;
  }
  const result = knobsSchema.safeParse(knobs);
  return result.success ? result.data : { ...DEFAULT_KNOBS };
}

export async function readKnobs(db: Pick<Db, 'demoKnobs'>): Promise<DemoKnobs> {
  const row = await db.demoKnobs.findUnique({ where: { id: 1 } });
  return fromStored(row?.settings);
}

/** Merges `patch` into the stored knobs, validates the result, stores it; returns the new knobs. */
export async function updateKnobs(db: Db, patch: unknown, actor: string): Promise<DemoKnobs> {
  return db.$transaction((tx) => updateKnobsIn(tx, patch, actor));
}

/** updateKnobs inside the caller's transaction (e.g. to audit the change atomically with it). */
export async function updateKnobsIn(tx: Prisma.TransactionClient, patch: unknown, actor: string): Promise<DemoKnobs> {
  const update = knobsUpdateSchema.safeParse(patch);
  if (!update.success) throw new AppError('bad_request', 'Invalid knobs.', { details: { issues: inputIssues(update.error) } });
  const who = actorSchema.safeParse(actor);
  if (!who.success) throw new AppError('bad_request', 'Invalid actor.', { details: { issues: inputIssues(who.error) } });
  await tx.demoKnobs.createMany({ data: [{ id: 1, settings: { ...DEFAULT_KNOBS } }], skipDuplicates: true });
  // Serialises concurrent updates, so neither loses the other's fields.
  const rows = await tx.$queryRaw<Array<{ settings: unknown }>>`SELECT settings FROM demo_knobs WHERE id = 1 FOR UPDATE`;
  const merged = knobsSchema.safeParse({ ...fromStored(rows[0]?.settings), ...update.data });
  if (!merged.success) throw new AppError('bad_request', 'Invalid knobs.', { details: { issues: inputIssues(merged.error) } });
  await tx.demoKnobs.update({ where: { id: 1 }, data: { settings: merged.data, updatedAt: new Date(), updatedBy: who.data } });
  return merged.data;
}

export interface KnobCache {
  /** The latest knobs read (defaults until the first read succeeds). */
  get(): DemoKnobs;
  refresh(): Promise<DemoKnobs>;
  /** Reads once, then every refreshMs. Read errors keep the last good value. */
  start(): Promise<void>;
  stop(): void;
  /** Called after a refresh that changed something. Returns an unsubscribe function. */
  onChange(listener: (next: DemoKnobs, previous: DemoKnobs) => void): () => void;
}

export function createKnobCache(db: Pick<Db, 'demoKnobs'>, refreshMs = 1000, options: { onError?: (error: unknown) => void } = {}): KnobCache {
  let current: DemoKnobs = { ...DEFAULT_KNOBS };
  let timer: NodeJS.Timeout | undefined;
  const listeners = new Set<(next: DemoKnobs, previous: DemoKnobs) => void>();

  async function refresh(): Promise<DemoKnobs> {
    const next = await readKnobs(db);
    const previous = current;
    current = next;
    if (JSON.stringify(next) !== JSON.stringify(previous)) for (const l of listeners) l(next, previous);
    return next;
  }

  return {
    get: () => current,
    refresh,
    async start() {
      await refresh().catch((e: unknown) => options.onError?.(e));
      if (timer) return;
      timer = setInterval(() => void refresh().catch((e: unknown) => options.onError?.(e)), refreshMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
