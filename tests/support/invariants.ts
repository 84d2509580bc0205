// The invariant every backbone test ends with: every committed outbox event is
// applied exactly once by every consumer that should see it (or dead-lettered
// by it), and every projection equals a recomputation from the event log.
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
}

export interface InvariantOptions {
  db: Db;
  registry: EventRegistry;
  consumers: readonly Pick<ConsumerDefinition, 'name' | 'handles'>[];
  projections?: readonly ProjectionCheck<unknown>[];
  /** Only events on these topics count (tests share one database per file). */
  topics?: readonly string[];
  /** Dead letters are allowed (fault tests) but each must replace the event's application, not add to it. */
  allowDeadLetters?: boolean;
}

export async function findInvariantViolations(options: InvariantOptions): Promise<string[]> {
  const { db } = options;
  const problems: string[] = [];
  const topicFilter = options.topics ? [...options.topics] : null;

  const unpublished = await db.outboxEvent.count({ where: { publishedAt: null, ...(topicFilter ? { topic: { in: topicFilter } } : {}) } });
  if (unpublished > 0) problems.push(`${unpublished} outbox events are not published`);

  for (const consumer of options.consumers) {
    const rows = await db.$queryRaw<Array<{ event_id: string; inbox: bigint; ok: bigint; dead: bigint }>>`
      SELECT o.event_id::text,
             (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = ${consumer.name} AND i.event_id = o.event_id) AS inbox,
             (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = ${consumer.name} AND a.event_id = o.event_id AND a.outcome = 'ok') AS ok,
             (SELECT count(*) FROM dlq_messages d WHERE d.consumer = ${consumer.name} AND d.event_id = o.event_id) AS dead
      FROM outbox_events o
      WHERE o.type = ANY(${[...consumer.handles]}::text[])
        AND (${topicFilter}::text[] IS NULL OR o.topic = ANY(${topicFilter}::text[]))`;
    for (const r of rows) {
      const applied = Number(r.inbox);
      const ok = Number(r.ok);
      const dead = Number(r.dead);
      if (dead > 0 && !options.allowDeadLetters) problems.push(`${consumer.name}: event ${r.event_id} was dead-lettered`);
      if (dead > 0 && applied > 0) problems.push(`${consumer.name}: event ${r.event_id} is both applied and dead-lettered`);
      if (dead === 0 && applied !== 1) problems.push(`${consumer.name}: event ${r.event_id} applied ${applied} times (inbox)`);
      if (dead === 0 && ok !== 1) problems.push(`${consumer.name}: event ${r.event_id} has ${ok} successful attempts`);
    }
  }

  for (const check of options.projections ?? []) {
    const expected = await recomputeProjection(prismaEventLog(db), options.registry, check.definition);
    const actual = await check.readRows(db);
    for (const [key, row] of expected) {
      const got = actual.get(key);
      if (!got) problems.push(`${check.definition.name}: row ${key} is missing`);
      else if (JSON.stringify(check.normalise(got)) !== JSON.stringify(check.normalise(row))) {
        problems.push(`${check.definition.name}: row ${key} differs: ${JSON.stringify(check.normalise(got))} != ${JSON.stringify(check.normalise(row))}`);
      }
    }
    for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${check.definition.name}: unexpected row ${key}`);
  }
  return problems.slice(0, 50);
}

export async function assertInvariants(options: InvariantOptions): Promise<void> {
  const problems = await findInvariantViolations(options);
  if (problems.length > 0) throw new Error(`Invariant violations:\n  ${problems.join('\n  ')}`);
}
