// The lag sampler against real PostgreSQL and Kafka: of two running samplers one is
// active, rows and heartbeats are written, seconds behind comes from the outbox row's
// published_at, a standby takes over when the active one stops, retention and rollups run.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startSampleLoop, type SampleLoop } from '@/lib/app/sample-loop';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testKafka, uniqueName } from '../support/kafka';
import { waitFor } from '../support/wait-for';

const prefix = uniqueName('sampler');
const topic = `${prefix}-orders`;
const groupId = `${prefix}.shipping`;
const quiet = { info: () => {}, warn: () => {} };

let database: TestDatabase;
const pools: pg.Pool[] = [];
let kafka: Kafka;
let admin: Admin;
const loops: SampleLoop[] = [];

function loop(instance: string): SampleLoop {
  const pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pools.push(pool);
  const l = startSampleLoop({ pool, kafka, admin, instance, groupPrefix: prefix, intervalMs: 400, windowMs: 60_000, rawRetentionMs: 24 * 3_600_000, rollupRetentionMs: 7 * 86_400_000, concurrency: 4, logger: quiet });
  loops.push(l);
  return l;
}

beforeAll(async () => {
  database = await createTestDatabase('lag-sampler');
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: 1 }]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `m${i}` })) });
  await producer.disconnect();
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }] });
  // The first unconsumed message (offset 4) came through the outbox, published 90 s ago.
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await db.query(
    `INSERT INTO outbox_events (event_id, type, version, source, subject, lane, trace_id, traceparent, topic, envelope, occurred_at, published_at, partition, "offset")
     VALUES ($1, 'orders.OrderPlaced', 1, '/test', 's-1', 0, repeat('a', 32), 'tp', $2, '{}', now() - interval '2 minutes', now() - interval '90 seconds', 0, 4)`,
    [randomUUID(), topic],
  );
  // Expired rows retention must delete, and one that must stay.
  await db.query(`INSERT INTO lag_samples (at, group_id, state, members, status, evidence, no_commit_partitions, data_loss_partitions) VALUES (now() - interval '25 hours', 'old.group', 'Empty', 0, 'OK', 'old', 0, 0), (now() - interval '23 hours', 'kept.group', 'Empty', 0, 'OK', 'kept', 0, 0)`);
  await db.query(`INSERT INTO outbox_samples (at, backlog, published, relay_rate) VALUES (now() - interval '25 hours', 0, 0, 0)`);
  await db.query(`INSERT INTO lag_rollups_1m (bucket, group_id, samples, worst_status, last_status) VALUES (now() - interval '8 days', 'old.group', 1, 'OK', 'OK')`);
  await db.end();
});

afterAll(async () => {
  for (const l of loops) await l.stop();
  for (const p of pools) await p.end();
  await admin?.deleteGroups([groupId]).catch(() => {});
  await admin?.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin?.disconnect();
  await database?.drop();
});

const q = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await pools[0]!.query<T>(sql, params)).rows;

describe('lag sampler', () => {
  it('one active of two; writes lag rows with seconds behind from the outbox; heartbeats for both', async () => {
    const a = loop('a');
    const b = loop('b');
    await waitFor('a few ticks', async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM lag_samples WHERE group_id = $1`, [groupId]))[0]!.n >= 3, 20_000);
    expect([a.isActive(), b.isActive()].filter(Boolean)).toHaveLength(1);
    const [row] = await q<{ lag: string; seconds_behind: number; seconds_source: string; status: string; evidence: string; members: number; partitions: unknown }>(
      `SELECT lag, seconds_behind, seconds_source, status, evidence, members, partitions FROM lag_samples WHERE group_id = $1 ORDER BY at DESC LIMIT 1`,
      [groupId],
    );
    expect(row!.lag).toBe('6');
    expect(row!.seconds_source).toBe('outbox');
    expect(row!.seconds_behind).toBeGreaterThanOrEqual(90);
    expect(row!.seconds_behind).toBeLessThan(120);
    expect(row!.members).toBe(0);
    expect((row!.partitions as unknown[][]).map((p) => p.slice(0, 5))).toEqual([[topic, 0, 0, 10, 4]]);
    expect(row!.evidence).toMatch(/^OK: lag 6.*less history than the window/);
    // Two ticks at the same moment would collide on (group, at): one sampler writes.
    const writers = await q<{ n: string }>(`SELECT count(*) AS n FROM (SELECT at FROM lag_samples WHERE group_id = $1 GROUP BY at HAVING count(*) > 1) d`, [groupId]);
    expect(writers[0]!.n).toBe('0');
    const beats = await q<{ instance: string; role: string }>(`SELECT instance, details->>'role' AS role FROM process_heartbeats WHERE kind = 'lag-sampler' ORDER BY instance`);
    expect(beats.map((x) => x.instance)).toEqual(['a', 'b']);
    expect(beats.map((x) => x.role).sort()).toEqual(['active', 'standby']);
    expect((await q(`SELECT 1 FROM outbox_samples WHERE at > now() - interval '1 minute'`)).length).toBeGreaterThan(0);
  });

  it('applies retention and keeps 1-minute rollups', async () => {
    expect(await q(`SELECT group_id FROM lag_samples WHERE group_id IN ('old.group', 'kept.group')`)).toEqual([{ group_id: 'kept.group' }]);
    expect(await q(`SELECT 1 FROM outbox_samples WHERE at < now() - interval '24 hours'`)).toEqual([]);
    expect(await q(`SELECT 1 FROM lag_rollups_1m WHERE group_id = 'old.group'`)).toEqual([]);
    const [rollup] = await q<{ samples: number; max_lag: string }>(`SELECT samples, max_lag FROM lag_rollups_1m WHERE group_id = $1 ORDER BY bucket DESC LIMIT 1`, [groupId]);
    expect(rollup!.samples).toBeGreaterThan(0);
    expect(rollup!.max_lag).toBe('6');
  });

  it('a standby takes over when the active sampler stops', async () => {
    const active = loops.find((l) => l.isActive())!;
    const standby = loops.find((l) => l !== active)!;
    await active.stop();
    await waitFor('the standby to become active', async () => standby.isActive(), 10_000);
    const before = (await q<{ n: string }>(`SELECT count(*) AS n FROM lag_samples WHERE group_id = $1`, [groupId]))[0]!.n;
    await standby.nextTick();
    await standby.nextTick();
    const after = (await q<{ n: string }>(`SELECT count(*) AS n FROM lag_samples WHERE group_id = $1`, [groupId]))[0]!.n;
    expect(Number(after)).toBeGreaterThan(Number(before));
  });
});
