// The trace reads use indexes only: on a seeded database (60,000 events in 15,000
// flows, their attempts, dead letters, inbox rows, lag samples and jobs, ANALYZEd),
// every statement the timeline, the header search and the recent-flows list run is
// EXPLAINed with its real parameters, and no plan may scan a whole table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { findFlows } from '@/lib/read/find-flows';
import { getTraceTimeline } from '@/lib/read/get-trace-timeline';
import { listRecentFlows } from '@/lib/read/list-recent-flows';
import { demoTraceCatalog } from '@/lib/read/trace-catalog';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { BIG_TABLES, seedTraceData } from '../support/trace-seed';

const EVENTS = 60_000;

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('trace_lookup_plans');
  db = createDb(database.url);
  await seedTraceData(db, EVENTS);
}, 180_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

/** The db the reads get: records every raw statement with its parameters. */
function recording(target: Db, statements: Array<{ sql: string; params: unknown[] }>): Db {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop !== '$queryRawUnsafe') return Reflect.get(t, prop, receiver);
      return (sql: string, ...params: unknown[]) => {
        statements.push({ sql, params });
        return t.$queryRawUnsafe(sql, ...params);
      };
    },
  });
}

describe('trace lookups on a seeded database', () => {
  it('run as index scans only', async () => {
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    const rec = recording(db, statements);
    const [{ trace_id: traceId, subject, event_id: eventId, correlation_id: correlationId }] = await db.$queryRawUnsafe<[Record<string, string>]>(
      `SELECT trace_id, subject, event_id::text, correlation_id::text FROM outbox_events WHERE position = 40000`,
    );
    const [{ id: dlqId }] = await db.$queryRawUnsafe<[{ id: string }]>(`SELECT id::text FROM dlq_messages WHERE trace_id = $1`, traceId);

    const timeline = await getTraceTimeline(rec, demoTraceCatalog(), traceId!);
    expect(timeline.summary.events).toBe(4);
    for (const q of [traceId!, subject!, eventId!, correlationId!, dlqId!, `00-${traceId}-00f067aa0ba902b7-01`]) {
      expect((await findFlows(rec, q)).flows.map((f) => f.traceId), q).toEqual([traceId]);
    }
    // The seed's last events were written a second or two ago and are unpublished: seen a
    // minute later they are stuck (STUCK_AFTER_SECONDS), whatever this machine's speed.
    const page = await listRecentFlows(rec, { limit: 25 }, new Date(Date.now() + 60_000));
    expect(page.attention.some((a) => a.kind === 'unpublished')).toBe(true);
    await listRecentFlows(rec, { limit: 25, after: page.next! }, new Date());

    // The detector itself: an unindexed filter on the log is a Seq Scan here.
    const unindexed = (await db.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN SELECT * FROM outbox_events WHERE source = '/seed'`)).map((r) => r['QUERY PLAN']).join('\n');
    expect(unindexed).toMatch(/Seq Scan on outbox_events\b/);

    const checked = statements.filter((s) => BIG_TABLES.some((t) => s.sql.includes(t)));
    expect(checked.length).toBeGreaterThanOrEqual(10);
    for (const { sql, params } of checked) {
      const plan = (await db.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN ${sql}`, ...params)).map((r) => r['QUERY PLAN']).join('\n');
      const scans = BIG_TABLES.filter((t) => new RegExp(`Seq Scan on ${t}\\b`).test(plan));
      expect(scans, `${sql}\n${plan}`).toEqual([]);
      // Nor walk the log's primary key filtering on an id (an index scan in name, a scan of the log in cost);
      // only the recent-flows list walks it, on purpose, newest first.
      if (!sql.includes('causation_id IS NULL')) expect(plan, `${sql}\n${plan}`).not.toMatch(/outbox_events_pkey[\s\S]*?Filter: \((trace_id|correlation_id|subject|event_id)/);
    }
  }, 120_000);
});
