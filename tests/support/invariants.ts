// The invariant every backbone test ends with: every committed outbox event is
// applied exactly once by every consumer that should see it (or dead-lettered
// by it), and every projection equals a recomputation from the event log.
// "Exactly once" is checked on three records that could disagree: the inbox,
// the attempt log and, where a test names them, the effect rows themselves (an
// effect written twice behind the inbox's back shows only there). Projections
// are compared with their evolve over the log and, where given, with a
// recomputation that shares no code with evolve (tests/int/invariants-self-test).
import type { Db } from '@/lib/adapters/prisma/client';
import type { ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { ProjectionDefinition } from '@/lib/backbone/projection';
import { recomputeProjection } from '@/lib/backbone/recompute-projection';
import { prismaEventLog } from '@/lib/adapters/prisma/event-log';
import type { EventRegistry } from '@/lib/domain/events/registry';

export interface ProjectionCheck<Row> {
  definition: ProjectionDefinition<Row>;
  /** Reads the read model's rows, keyed like definition.keyOf. */
  readRows(db: Db): Promise<Map<string, Row>>;
  /** The business content of a row (columns that must equal the recomputation). */
  normalise(row: Row): unknown;
  /** Differences from a recomputation written without definition.evolve (e.g. plain SQL over the outbox), one line each. */
  independent?(db: Db): Promise<string[]>;
}

/** The effect rows one consumer wrote, counted per event id (only events on the given topics). */
export interface EffectCount {
  consumer: string;
  countByEvent(db: Db, topics: readonly string[] | null): Promise<Map<string, number>>;
}

export interface InvariantOptions {
  db: Db;
  registry: EventRegistry;
  consumers: readonly Pick<ConsumerDefinition, 'name' | 'handles'>[];
  projections?: readonly ProjectionCheck<unknown>[];
  /** Effect rows to count per event: exactly one per applied event, none for a dead-lettered one. */
  effects?: readonly EffectCount[];
  /** Only events on these topics count (tests share one database per file). */
  topics?: readonly string[];
  /** Dead letters are allowed (fault tests) but each must replace the event's application, not add to it. */
  allowDeadLetters?: boolean;
}

/** An EffectCount over a table with one row per effect and a column holding the causing event's id. */
export function effectRowsPerEvent(consumer: string, table: string, eventIdColumn = 'event_id'): EffectCount {
  if (!/^[a-z_][a-z0-9_]*$/.test(table) || !/^[a-z_][a-z0-9_]*$/.test(eventIdColumn)) throw new Error(`bad identifier ${table}.${eventIdColumn}`);
  return {
    consumer,
    async countByEvent(db, topics) {
      const rows = await db.$queryRawUnsafe<Array<{ event_id: string; n: number }>>(
        `SELECT e.${eventIdColumn}::text AS event_id, count(*)::int AS n FROM ${table} e
           JOIN outbox_events o ON o.event_id = e.${eventIdColumn}
          WHERE $1::text[] IS NULL OR o.topic = ANY($1::text[]) GROUP BY 1`,
        topics,
      );
      return new Map(rows.map((r) => [r.event_id, r.n]));
    },
  };
}

async function applicationProblems(options: InvariantOptions, consumer: Pick<ConsumerDefinition, 'name' | 'handles'>, topics: string[] | null): Promise<string[]> {
  const { db } = options;
  const problems: string[] = [];
  const rows = await db.$queryRaw<Array<{ event_id: string; inbox: bigint; ok: bigint; dead: bigint }>>`
    SELECT o.event_id::text,
           (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = ${consumer.name} AND i.event_id = o.event_id) AS inbox,
           (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = ${consumer.name} AND a.event_id = o.event_id AND a.outcome = 'ok') AS ok,
           (SELECT count(*) FROM dlq_messages d WHERE d.consumer = ${consumer.name} AND d.event_id = o.event_id) AS dead
    FROM outbox_events o
    WHERE o.type = ANY(${[...consumer.handles]}::text[])
      AND (${topics}::text[] IS NULL OR o.topic = ANY(${topics}::text[]))`;
  const effectCounts = await Promise.all((options.effects ?? []).filter((e) => e.consumer === consumer.name).map((e) => e.countByEvent(db, topics)));
  for (const r of rows) {
    const applied = Number(r.inbox);
    const ok = Number(r.ok);
    const dead = Number(r.dead);
    if (dead > 0 && !options.allowDeadLetters) problems.push(`${consumer.name}: event ${r.event_id} was dead-lettered`);
    if (dead > 0 && applied > 0) problems.push(`${consumer.name}: event ${r.event_id} is both applied and dead-lettered`);
    if (dead === 0 && applied !== 1) problems.push(`${consumer.name}: event ${r.event_id} applied ${applied} times (inbox)`);
    if (dead === 0 && ok !== 1) problems.push(`${consumer.name}: event ${r.event_id} has ${ok} successful attempts`);
    for (const counts of effectCounts) {
      const effects = counts.get(r.event_id) ?? 0;
      if (effects !== (dead > 0 ? 0 : 1)) problems.push(`${consumer.name}: event ${r.event_id} has ${effects} effect rows${dead > 0 ? ' (dead-lettered)' : ''}`);
    }
  }
  return problems;
}

async function projectionProblems(options: InvariantOptions, check: ProjectionCheck<unknown>): Promise<string[]> {
  const { db } = options;
  const problems: string[] = [];
  const name = check.definition.name;
  const expected = await recomputeProjection(prismaEventLog(db), options.registry, check.definition);
  const actual = await check.readRows(db);
  for (const [key, row] of expected) {
    const got = actual.get(key);
    if (!got) problems.push(`${name}: row ${key} is missing`);
    else if (JSON.stringify(check.normalise(got)) !== JSON.stringify(check.normalise(row))) {
      problems.push(`${name}: row ${key} differs: ${JSON.stringify(check.normalise(got))} != ${JSON.stringify(check.normalise(row))}`);
    }
  }
  for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${name}: unexpected row ${key}`);
  if (check.independent) problems.push(...(await check.independent(db)).map((p) => `${name} (independent recomputation): ${p}`));
  return problems;
}

export async function findInvariantViolations(options: InvariantOptions): Promise<string[]> {
  const { db } = options;
  const problems: string[] = [];
  const topics = options.topics ? [...options.topics] : null;

  const unpublished = await db.outboxEvent.count({ where: { publishedAt: null, ...(topics ? { topic: { in: topics } } : {}) } });
  if (unpublished > 0) problems.push(`${unpublished} outbox events are not published`);
  for (const consumer of options.consumers) problems.push(...(await applicationProblems(options, consumer, topics)));
  for (const check of options.projections ?? []) problems.push(...(await projectionProblems(options, check)));
  return problems.slice(0, 50);
}

export async function assertInvariants(options: InvariantOptions): Promise<void> {
  const problems = await findInvariantViolations(options);
  if (problems.length > 0) throw new Error(`Invariant violations:\n  ${problems.join('\n  ')}`);
}
