// The Consumers screens' reads over seeded sample rows on the real PostgreSQL: latest tick
// per group, filters and sort, sparklines, per-partition table, series and status history,
// outbox panel, heartbeats (sampler stale, Kafka unreachable since, relay down vs idle) —
// and that their queries use indexes (EXPLAIN without a sequential scan of the big tables).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { beat, insertLagSamples, rollUp, type LagSampleRow } from '@/lib/adapters/prisma/samples-store';
import { getConsumersOverview } from '@/lib/read/get-consumers-overview';
import { listConsumerGroups } from '@/lib/read/list-consumer-groups';
import { getConsumerGroup } from '@/lib/read/get-consumer-group';
import { getOutboxPanel } from '@/lib/read/get-outbox-panel';
import { consumerListQuerySchema } from '@/lib/read/consumer-view';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { replayTopicOf } from '@/lib/backbone/consumer-definition';

let database: TestDatabase;
let db: Db;
let sql: pg.Client;
const now = new Date(Date.now() - (Date.now() % 1000));
const ago = (s: number) => new Date(now.getTime() - s * 1000);

function row(groupId: string, at: Date, over: Partial<LagSampleRow>): LagSampleRow {
  return {
    at, groupId, state: 'Stable', members: 1, status: 'OK', evidence: 'OK: caught up (lag 0, 1 member)', lag: 0, replayLag: 0,
    noCommitPartitions: 0, dataLossPartitions: 0, secondsBehind: 0, secondsSource: 'caught-up', consumeRate: 1, produceRate: 1, etaSeconds: 0,
    partitions: [['orders.v1', 0, 0, 100, 100, 'm-1', 0]], ...over,
  };
}

beforeAll(async () => {
  database = await createTestDatabase('consumer_reads');
  db = createDb(database.url, { poolSize: 4 });
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  // Three ticks, 10 s apart: "slow" grows (WARN at the end), "dead" stops, "idle" stays OK,
  // "other" reads another topic and estimates its seconds.
  for (const [i, at] of [ago(20), ago(10), ago(0)].entries()) {
    await insertLagSamples(sql, [
      row('sb.slow', at, { lag: 100 * (i + 1), secondsBehind: 30 * (i + 1), secondsSource: 'outbox', status: i === 2 ? 'WARN' : 'OK', evidence: i === 2 ? 'WARN: lag grew from 100 to 300 over 20 s' : 'OK: lag', etaSeconds: null,
        partitions: [['orders.v1', 0, 0, 1000, 1000 - 100 * (i + 1), 'm-slow', 30 * (i + 1)], ['orders.v1', 1, 0, 50, 50, 'm-slow', 0], [replayTopicOf('slow'), 0, 0, 3, 1, null, null]] }),
      row('sb.dead', at, { members: 0, state: 'Empty', lag: 40, secondsBehind: 600, secondsSource: 'record', status: i === 2 ? 'STOP' : 'OK', evidence: i === 2 ? 'STOP: no commit for 5 min while lag is 40 and the group has no members' : 'OK', partitions: [['orders.v1', 0, 0, 140, 100, null, 600]] }),
      row('sb.idle', at, {}),
      row('sb.other', at, { lag: 5, secondsBehind: 12, secondsSource: 'estimate', partitions: [['payments.v1', 0, 0, 5, 0, 'm-o', 12]] }),
    ]);
  }
  // An older tick of a group the sampler no longer reports: not in the latest tick.
  await insertLagSamples(sql, [row('sb.gone', ago(3_600), {})]);
  await rollUp(sql, ago(600));
  await sql.query(`INSERT INTO outbox_samples (at, backlog, oldest_unpublished_at, published, relay_rate) VALUES ($1, 7, $2, 20, 2), ($3, 3, $4, 30, 3)`, [ago(10), ago(40), now, ago(25)]);
  await sql.query(
    `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, created_at, publish_attempts, last_error)
     SELECT gen_random_uuid(), 'orders.OrderPlaced', 1, 'test', 'order-' || g, g % 4, repeat('a', 32), 'tp', 'orders.v1', '{}', now(), now() - (g || ' seconds')::interval, 2, CASE WHEN g = 30 THEN 'broker down' END
     FROM generate_series(1, 30) g`,
  );
  await sql.query(`INSERT INTO consumer_attempts (consumer, topic, partition, "offset", attempt, outcome, duration_ms, at) VALUES ('slow', 'orders.v1', 0, 1, 1, 'dead_lettered', 3, now()), ('slow', 'orders.v1', 0, 2, 1, 'dead_lettered', 3, now() - interval '1 hour')`);
  await beat(sql, 'lag-sampler', 'host:1', { role: 'active', intervalMs: 10_000, kafkaError: 'Connection timeout', kafkaErrorSince: ago(30).toISOString() });
  await beat(sql, 'lag-sampler', 'host:2', { role: 'standby', intervalMs: 10_000 });
});

afterAll(async () => {
  await sql?.end();
  await db?.$disconnect();
  await database?.drop();
});

describe('consumer reads', () => {
  it('overview: statuses of the latest tick, worst seconds behind, DLQ inflow, outbox, sampler and relay', async () => {
    const o = await getConsumersOverview(db, now);
    expect(o.groups.total).toBe(4);
    expect(o.groups.byStatus).toMatchObject({ WARN: 1, STOP: 1, OK: 2, ERR: 0 });
    expect(o.worst).toMatchObject({ groupId: 'sb.dead', secondsBehind: 600, status: 'STOP', secondsLabel: 'exact' });
    expect(o.dlq.inflowInWindow).toBe(1);
    expect(o.outbox).toMatchObject({ backlog: 3, relayRateNow: 3 });
    expect(o.outbox.oldestAgeSeconds).toBeCloseTo(25, 0);
    expect(o.sampler).toMatchObject({ state: 'fresh', instance: 'host:1', instances: 2, kafka: { error: 'Connection timeout', unreachableSince: ago(30).toISOString() } });
    expect(o.relay.state).toBe('missing');
  });

  it('relay: a recent beat is up (idle or not), an old one is stale (down)', async () => {
    await beat(sql, 'outbox-relay', 'host:9', { intervalMs: 5_000, lastError: null });
    expect((await getConsumersOverview(db, now)).relay.state).toBe('fresh');
    expect((await getConsumersOverview(db, new Date(now.getTime() + 120_000))).relay.state).toBe('stale');
    expect((await getConsumersOverview(db, new Date(now.getTime() + 120_000))).sampler.state).toBe('stale');
  });

  it('list: default sort by seconds behind, worst first; filters by status, topic and text', async () => {
    const all = await listConsumerGroups(db, now, consumerListQuerySchema.parse({}));
    expect(all.groups.map((g) => g.groupId)).toEqual(['sb.dead', 'sb.slow', 'sb.other', 'sb.idle']);
    const slow = all.groups.find((g) => g.groupId === 'sb.slow')!;
    expect(slow).toMatchObject({ lag: 300, secondsBehind: 90, secondsLabel: 'exact', status: 'WARN', topics: ['orders.v1'], replayLag: 0 });
    expect(slow.sparkline.map((p) => p.lag)).toEqual(expect.arrayContaining([300]));
    expect(slow.sparkline.length).toBeGreaterThanOrEqual(1);
    expect(all.groups.find((g) => g.groupId === 'sb.other')).toMatchObject({ secondsLabel: 'estimate', eta: { state: 'draining' } });
    expect(all.groups.find((g) => g.groupId === 'sb.idle')!.eta.state).toBe('caught-up');
    expect(all.topics).toEqual(['orders.v1', 'payments.v1']);

    const stop = await listConsumerGroups(db, now, consumerListQuerySchema.parse({ status: 'stop,warn', sort: 'group' }));
    expect(stop.groups.map((g) => g.groupId)).toEqual(['sb.dead', 'sb.slow']);
    expect((await listConsumerGroups(db, now, consumerListQuerySchema.parse({ topic: 'payments.v1' }))).groups.map((g) => g.groupId)).toEqual(['sb.other']);
    expect((await listConsumerGroups(db, now, consumerListQuerySchema.parse({ q: 'no members' }))).groups.map((g) => g.groupId)).toEqual(['sb.dead']);
  });

  it('group: partition table with member and seconds, replay apart, series, status history, DLQ', async () => {
    const g = await getConsumerGroup(db, now, 'sb.slow', '15m');
    expect(g.group).toMatchObject({ status: 'WARN', lag: 300, secondsBehind: 90, consumer: 'slow' });
    expect(g.partitions.filter((p) => !p.replay).map((p) => [p.partition, p.committed, p.end, p.lag, p.seconds, p.member])).toEqual([
      [0, 700, 1000, 300, 90, 'm-slow'],
      [1, 50, 50, 0, 0, 'm-slow'],
    ]);
    expect(g.partitions.find((p) => p.replay)).toMatchObject({ topic: replayTopicOf('slow'), lag: 2 });
    expect(g.memberAssignments).toEqual([{ memberId: 'm-slow', partitions: ['orders.v1[0]', 'orders.v1[1]'] }]);
    expect(g.series.map((p) => p.lag)).toEqual([100, 200, 300]);
    expect(g.statusHistory.map((c) => c.status)).toEqual(['WARN', 'OK']);
    const week = await getConsumerGroup(db, now, 'sb.slow', '7d');
    expect(week.seriesSource).toBe('rollup');
    expect(Math.max(...week.series.map((p) => p.lag ?? 0))).toBe(300);
    await expect(getConsumerGroup(db, now, 'sb.nope', '1h')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('outbox panel: series, latest, oldest unpublished rows in log order with their last error', async () => {
    const p = await getOutboxPanel(db, now, '15m');
    expect(p.latest).toMatchObject({ backlog: 3, relayRate: 3 });
    expect(p.series.map((s) => s.backlog)).toEqual([7, 3]);
    expect(p.oldest).toHaveLength(20);
    expect(p.oldest.map((r) => r.position)).toEqual([...p.oldest.map((r) => r.position)].sort((a, b) => a - b));
    expect(p.oldest[0]!.position).toBe(1);
  });

  it('queries use indexes, not sequential scans of the sample tables or the outbox', async () => {
    await sql.query('SET enable_seqscan = off'); // tiny tables: make the planner show whether an index path exists at all
    const plans: string[] = [];
    for (const q of [
      `SELECT * FROM lag_samples WHERE at = (SELECT max(at) FROM lag_samples)`,
      `SELECT * FROM lag_samples WHERE group_id = 'sb.slow' ORDER BY at DESC LIMIT 1`,
      `SELECT group_id, max(lag) FROM lag_samples WHERE group_id = ANY('{sb.slow,sb.dead}'::text[]) AND at >= now() - interval '15 minutes' GROUP BY 1`,
      `SELECT max(max_lag) FROM lag_rollups_1m WHERE group_id = 'sb.slow' AND bucket >= now() - interval '7 days'`,
      `SELECT * FROM outbox_samples WHERE at >= now() - interval '1 hour'`,
      `SELECT o.position FROM generate_series(0, 15) l(lane), LATERAL (SELECT position FROM outbox_events WHERE published_at IS NULL AND lane = l.lane ORDER BY position LIMIT 20) o`,
      `SELECT count(*) FROM consumer_attempts WHERE at >= now() - interval '15 minutes' AND outcome = 'dead_lettered'`,
    ]) {
      const plan = (await sql.query(`EXPLAIN ${q}`)).rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      plans.push(plan);
      expect(plan, q).not.toMatch(/Seq Scan on (lag_samples|lag_rollups_1m|outbox_samples|outbox_events|consumer_attempts)/);
      expect(plan, q).toMatch(/Index/);
    }
    await sql.query('RESET enable_seqscan');
  });
});
