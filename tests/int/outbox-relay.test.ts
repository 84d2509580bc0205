// The outbox relay against the real PostgreSQL and Kafka: what it publishes, where
// it records it, ordering with two relays, out-of-order commits, Kafka outages,
// NOTIFY wake-ups and lane locks.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { startTracing } from '@/lib/adapters/otel/tracing';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { createRelay, type Relay, type RelayOptions } from '@/lib/adapters/outbox/relay';
import { RELAY_LANE_LOCK, withClaimedBatch } from '@/lib/adapters/outbox/relay-store';
import { laneOf } from '@/lib/domain/lanes';
import { parseTraceparent } from '@/lib/domain/events/trace-context';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestTopic, readAll, testKafka, type TestTopic } from '../support/kafka';
import { waitFor } from '../support/wait-for';

interface OutboxRow {
  position: string;
  event_id: string;
  subject: string;
  lane: number;
  trace_id: string;
  traceparent: string;
  envelope: Record<string, unknown>;
  published_at: Date | null;
  partition: number | null;
  offset: string | null;
  publish_attempts: number;
  last_error: string | null;
}

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
const topics: TestTopic[] = [];
const relays: Relay[] = [];

beforeAll(async () => {
  // A registered tracer provider, as in the workers: publish spans get their own ids.
  startTracing({ serviceName: 'outbox-relay-test' });
  database = await createTestDatabase('outbox_relay');
  db = createDb(database.url, { poolSize: 6 });
  pool = new pg.Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => {}); // backends terminated on purpose below
});

afterAll(async () => {
  await Promise.all(topics.map((t) => t.cleanup()));
  await db?.$disconnect();
  await pool?.end();
  await database?.drop();
});

// Every relay claims every unpublished row of the database: start each test empty.
beforeEach(async () => {
  await pool.query('TRUNCATE outbox_events');
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

async function topic(partitions = 3): Promise<string> {
  const t = await createTestTopic(partitions, 'relay');
  topics.push(t);
  return t.topic;
}

function capturingLogger() {
  const lines: string[] = [];
  const push = (line: string) => void lines.push(line);
  return { lines, logger: { info: push, warn: push, error: push } };
}

function relay(overrides: Partial<RelayOptions> = {}): Relay {
  const r = createRelay({ pool, kafka: testKafka(), batchSize: 200, pollMs: 100, maxBackoffMs: 500, logger: capturingLogger().logger, ...overrides });
  relays.push(r);
  return r;
}

/** Commits one transaction with an event per subject, through the outbox writer. */
async function write(topicName: string, subjects: readonly string[], tag = 'x'): Promise<void> {
  const writer = createOutboxWriter({ source: '/test/outbox-relay', topicFor: () => topicName });
  await db.$transaction((tx) => writer.append(tx, subjects.map((subject, i) => ({ type: 'test.ThingHappened', version: 1, subject, data: { tag, i } }))));
}

async function rows(): Promise<OutboxRow[]> {
  const { rows: result } = await pool.query<OutboxRow>(
    `SELECT position::text, event_id::text, subject, lane, trace_id, traceparent, envelope, published_at, partition, "offset"::text, publish_attempts, last_error
     FROM outbox_events o ORDER BY o.position`,
  );
  return result;
}

async function unpublished(): Promise<number> {
  const { rows: r } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
  return r[0]!.n;
}

async function drainAll(r: Relay): Promise<number> {
  let total = 0;
  for (let n = await r.drainOnce(); n > 0; n = await r.drainOnce()) total += n;
  return total;
}

/** The relay's LISTEN connection is up (a NOTIFY sent now reaches it). */
function listening(): Promise<boolean> {
  return waitFor('the relay to LISTEN', async () => {
    const { rows: r } = await pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %signalbox_outbox%'`);
    return r.length > 0;
  }, 30_000, 20);
}

describe('outbox relay', () => {
  it('publishes each row with key = subject, the envelope as value and trace + CloudEvents headers, and records partition and offset', async () => {
    const t = await topic(3);
    const subjects = ['order-a', 'order-b', 'order-c', 'order-d', 'order-e'];
    for (let i = 0; i < 4; i++) await write(t, subjects, `round-${i}`);

    expect(await drainAll(relay())).toBe(20);

    const stored = await rows();
    const read = await readAll(t, { expected: 20 });
    expect(read).toHaveLength(20);
    const byId = new Map(read.map((m) => [m.headers['ce-id'], m]));
    for (const row of stored) {
      expect(row.published_at).toBeInstanceOf(Date);
      expect(row.publish_attempts).toBe(1);
      const message = byId.get(row.event_id);
      expect(message, `event ${row.event_id} on the topic`).toBeDefined();
      expect(message!.key).toBe(row.subject);
      expect(JSON.parse(message!.value!)).toEqual(row.envelope);
      expect(message!.headers).toMatchObject({ 'ce-type': 'test.ThingHappened', 'ce-version': '1', 'content-type': 'application/json' });
      // The relay's publish span: same trace as the row, a span of its own.
      const sent = parseTraceparent(message!.headers.traceparent);
      expect(sent?.traceId).toBe(row.trace_id);
      expect(sent?.spanId).not.toBe(parseTraceparent(row.traceparent)?.spanId);
      // Recorded coordinates are where a consumer finds the message.
      expect({ partition: row.partition, offset: row.offset }).toEqual({ partition: message!.partition, offset: message!.offset });
    }
  });

  it('with two relays at once publishes 2,000 events once each, every subject in log order', async () => {
    const t = await topic(6);
    const subjects = Array.from({ length: 50 }, (_, i) => `subject-${i}`);
    const a = relay({ batchSize: 100, lanesPerClaim: 16 });
    const b = relay({ batchSize: 100, lanesPerClaim: 16 });

    let writing = true;
    let failed = false;
    const pump = async (r: Relay) => {
      let published = 0;
      try {
        while (!failed && (writing || (await unpublished()) > 0)) {
          const n = await r.drainOnce();
          published += n;
          if (n === 0) await new Promise((done) => setTimeout(done, 5));
        }
      } catch (error) {
        failed = true; // stop the other pump too: nothing may outlive this test
        throw error;
      }
      return published;
    };
    const pumps = Promise.all([pump(a), pump(b)]);
    pumps.catch(() => {}); // awaited below; a failure must not go unhandled meanwhile
    // Written while both relays run: 20 transactions of 100 events, 40 per subject in all.
    try {
      for (let i = 0; i < 20 && !failed; i++) await write(t, Array.from({ length: 100 }, (_, j) => subjects[(i * 100 + j) % 50]!), `tx-${i}`);
    } finally {
      writing = false;
    }
    const [byA, byB] = await pumps;

    expect(byA! + byB!).toBe(2_000);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);

    const read = await readAll(t, { expected: 2_000 });
    expect(read).toHaveLength(2_000);
    expect(new Set(read.map((m) => m.headers['ce-id'])).size).toBe(2_000);

    const stored = await rows();
    const expected = new Map<string, string[]>();
    for (const row of stored) expected.set(row.subject, [...(expected.get(row.subject) ?? []), row.event_id]);
    const actual = new Map<string, string[]>();
    for (const m of read) actual.set(m.key!, [...(actual.get(m.key!) ?? []), m.headers['ce-id']!]);
    expect(actual.size).toBe(50);
    for (const subject of subjects) expect(actual.get(subject), subject).toEqual(expected.get(subject));
  });

  it('with two running relays (each committing one batch while claiming the next) publishes every event once, every subject in log order', async () => {
    const t = await topic(6);
    const subjects = Array.from({ length: 60 }, (_, i) => `running-${i}`);
    // Small batches and few lanes per claim: many batches, lanes handed back and forth.
    const a = relay({ batchSize: 40, lanesPerClaim: 8 });
    const b = relay({ batchSize: 40, lanesPerClaim: 8 });
    a.start();
    b.start();
    for (let i = 0; i < 30; i++) await write(t, Array.from({ length: 100 }, (_, j) => subjects[(i * 100 + j) % 60]!), `run-${i}`);
    await waitFor('both relays to drain the outbox', async () => (await unpublished()) === 0, 60_000, 20);
    await Promise.all([a.stop(), b.stop()]);

    const stored = await rows();
    expect(stored.every((r) => r.publish_attempts === 1)).toBe(true);
    const read = await readAll(t, { expected: 3_000 });
    expect(read).toHaveLength(3_000); // nothing sent twice on a clean run
    const expected = new Map<string, string[]>();
    for (const row of stored) expected.set(row.subject, [...(expected.get(row.subject) ?? []), row.event_id]);
    const actual = new Map<string, string[]>();
    for (const m of read) actual.set(m.key!, [...(actual.get(m.key!) ?? []), m.headers['ce-id']!]);
    for (const subject of subjects) expect(actual.get(subject), subject).toEqual(expected.get(subject));
  });

  it('does not skip a row whose transaction commits after later rows were published', async () => {
    const t = await topic(3);
    const r = relay({ pollMs: 60_000 }); // only NOTIFY can wake it in time
    r.start();
    await listening();

    const writer = createOutboxWriter({ source: '/test/outbox-relay', topicFor: () => t });
    let inserted!: () => void;
    let release!: () => void;
    const insertedSignal = new Promise<void>((done) => (inserted = done));
    const releaseSignal = new Promise<void>((done) => (release = done));
    const longTx = db.$transaction(
      async (tx) => {
        await writer.append(tx, [{ type: 'test.ThingHappened', version: 1, subject: 'slow-order', data: {} }]);
        inserted();
        await releaseSignal;
      },
      { timeout: 60_000 },
    );
    await insertedSignal;
    for (let i = 0; i < 3; i++) await write(t, ['fast-1', 'fast-2', 'fast-3'], `fast-${i}`);

    await waitFor('the later rows to be published', async () => (await rows()).filter((x) => x.published_at).length === 9, 30_000, 20);
    const before = await rows();
    expect(before.map((x) => x.subject)).not.toContain('slow-order'); // not committed yet: invisible

    release();
    await longTx;
    await waitFor('the early row to be published', async () => (await unpublished()) === 0, 30_000, 20);
    const after = await rows();
    expect(after).toHaveLength(10);
    expect(after[0]!.subject).toBe('slow-order'); // it holds the earliest position
    const read = await readAll(t, { expected: 10 });
    expect(new Set(read.map((m) => m.headers['ce-id']))).toEqual(new Set(after.map((x) => x.event_id)));
  });

  it('keeps working when its LISTEN connection is killed', async () => {
    const t = await topic(1);
    const { lines, logger } = capturingLogger();
    const r = relay({ pollMs: 60_000, logger });
    r.start();
    await listening();
    await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %signalbox_outbox%'`);
    await waitFor('the listener to notice', async () => lines.some((l) => l.includes('lost')), 30_000, 20);
    await listening();
    await write(t, ['after-reconnect']);
    await waitFor('the row written after the reconnect to be published', async () => (await unpublished()) === 0, 30_000, 20);
    expect(lines.filter((l) => l.includes('LISTEN')).length).toBe(2); // lost, back
  });

  it('keeps rows unpublished while Kafka is unreachable, backs off, and drains once it is back', async () => {
    const t = await topic(3);
    const port = await freePort();
    // A client with short retries, so each attempt fails fast; nothing listens on the port yet.
    const downKafka = new Kafka({
      clientId: 'relay-kafka-down',
      brokers: [`127.0.0.1:${port}`],
      connectionTimeout: 500,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
      logLevel: logLevel.NOTHING,
    });
    const { lines, logger } = capturingLogger();
    const r = relay({ kafka: downKafka, pollMs: 50, maxBackoffMs: 400, publishTimeoutMs: 5_000, logger });
    for (let i = 0; i < 4; i++) await write(t, ['k-1', 'k-2', 'k-3', 'k-4', 'k-5'], `down-${i}`);

    await expect(r.drainOnce()).rejects.toThrow(/publishing 20 outbox event\(s\) failed/);
    r.start();
    await waitFor('repeated failed attempts', async () => (await rows()).every((x) => x.publish_attempts >= 3), 30_000, 50);
    const failing = await rows();
    expect(failing.every((x) => x.published_at === null && x.last_error)).toBe(true);
    expect(lines.filter((l) => l.includes('publishing failed'))).toHaveLength(1); // one line, not one per retry

    const proxy = await forwardTo(port, 9092); // Kafka is back
    try {
      await waitFor('the backlog to drain', async () => (await unpublished()) === 0, 30_000, 50);
      expect(lines.filter((l) => l.includes('publishing again'))).toHaveLength(1);
      const read = await readAll(t, { expected: 20 });
      expect(new Set(read.map((m) => m.headers['ce-id']))).toEqual(new Set(failing.map((x) => x.event_id)));
    } finally {
      await r.stop();
      await proxy.close();
    }
  });
});

describe('relay store: claiming', () => {
  // Subjects in two different lanes, three events each.
  const subjects = ['lane-probe-0', ...Array.from({ length: 50 }, (_, i) => `lane-probe-${i + 1}`)];
  const first = subjects[0]!;
  const second = subjects.find((s) => laneOf(s) !== laneOf(first))!;

  async function claim() {
    return withClaimedBatch(pool, { batchSize: 100, lanesPerClaim: 64, startLane: 0 }, async (batch) => ({ lanes: batch.lanes, rows: batch.rows }));
  }

  async function inOtherTransaction(sql: string, params: unknown[]) {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    await other.query('BEGIN');
    await other.query(sql, params);
    return { end: async () => (await other.query('ROLLBACK'), await other.end()) };
  }

  it('leaves a lane alone while another transaction holds its lock', async () => {
    for (let i = 0; i < 3; i++) await write('unused-topic', [first, second]);
    const holder = await inOtherTransaction('SELECT pg_advisory_xact_lock($1::int, $2::int)', [RELAY_LANE_LOCK, laneOf(first)]);
    try {
      const held = await claim();
      expect(held.lanes).toEqual([laneOf(second)]);
      expect(held.rows.map((r) => r.subject)).toEqual([second, second, second]);
    } finally {
      await holder.end();
    }
    const free = await claim();
    expect(free.lanes.sort()).toEqual([laneOf(first), laneOf(second)].sort());
    expect(free.rows).toHaveLength(6);
  });

  it('leaves out the lanes it is told to skip, and says when it may have left rows behind', async () => {
    for (let i = 0; i < 3; i++) await write('unused-topic', [first, second]);
    const claimWith = (options: { batchSize: number; skipLanes?: number[] }) =>
      withClaimedBatch(pool, { lanesPerClaim: 64, startLane: 0, ...options }, async (batch) => ({ lanes: batch.lanes, rows: batch.rows, leftBehind: batch.leftBehind }));

    const skipped = await claimWith({ batchSize: 100, skipLanes: [laneOf(first)] });
    expect(skipped.lanes).toEqual([laneOf(second)]);
    expect(skipped.rows.map((r) => r.subject)).toEqual([second, second, second]);

    expect((await claimWith({ batchSize: 100 })).leftBehind).toBe(false); // all six: nothing left
    const share = await claimWith({ batchSize: 4 }); // two per lane: each lane's share is full
    expect(share.rows).toHaveLength(4);
    expect(share.leftBehind).toBe(true);
  });

  it('stops a lane before a row another transaction has locked, so the lane stays in order', async () => {
    for (let i = 0; i < 3; i++) await write('unused-topic', [first, second]);
    const ofFirst = (await rows()).filter((r) => r.subject === first);
    const holder = await inOtherTransaction('SELECT 1 FROM outbox_events WHERE position = $1 FOR UPDATE', [ofFirst[1]!.position]);
    try {
      const claimed = await claim();
      expect(claimed.rows.filter((r) => r.subject === first).map((r) => r.position)).toEqual([ofFirst[0]!.position]);
      expect(claimed.rows.filter((r) => r.subject === second)).toHaveLength(3);
    } finally {
      await holder.end();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A TCP forwarder from `port` to the broker: "Kafka comes back" for a client bootstrapped at `port`. */
function forwardTo(port: number, target: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
