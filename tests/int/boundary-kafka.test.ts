// Bad input at the Kafka boundary (issue #12, part 2), on the real broker and
// PostgreSQL: generated (fast-check, fixed seed) and hand-written hostile messages
// (random bytes, truncated JSON, arbitrary JSON, mutated envelopes, tombstones, null
// keys, garbage / wrong / missing / duplicate headers, payloads near and above the
// consumer's and the broker's limits) go to one topic read by two consumer groups.
// Each message must end, per group, as exactly what docs/consumers.md ("Failure
// policy") says: a dead letter with a reason, applied, or skipped (a registered type
// the group does not handle). Nothing lost, no consumer crash, and good messages sent
// after all of them are applied. The tallies are compared with plain SQL counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { createKafka, ensureTopics } from '@/lib/adapters/kafka/kafka-client';
import { startConsumer, type RunningConsumer } from '@/lib/adapters/kafka/consumer-runtime';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { replayTopicOf, type ConsumerDefinition } from '@/lib/backbone/consumer-definition';
import type { PrismaTx } from '@/lib/adapters/prisma/processor-ports';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import { decodeMessage } from '@/lib/domain/events/decode';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { kafkaBrokers } from '../support/kafka';
import { sqlCounter } from '../support/sql-count';
import { orderPlacedEnvelope } from '../support/order-envelope';
import { waitFor } from '../support/wait-for';

const SEED = 20261128;
const CONSUMER_LIMIT = 64 * 1024; // the consumers' maxMessageBytes (CONSUMER_MAX_MESSAGE_BYTES)
const BROKER_LIMIT = 256 * 1024; // the topic's max.message.bytes
const PARTITIONS = 2;
const suffix = randomUUID().slice(0, 8);
const topic = `t-boundary-kafka-${suffix}`;
const registry = createOrderEventRegistry();

type Expected = 'dlq' | 'applied' | 'skipped';
interface Sent {
  inputClass: string;
  partition: number;
  offset: string;
  /** Expected outcome per consumer name. */
  expected: Record<string, Expected>;
}

let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let kafka: Kafka;
let producer: Producer;
const consumers: RunningConsumer[] = [];
const logs: string[] = [];
const sent: Sent[] = [];

// Group A handles OrderPlaced and OrderCancelled (its effect: a notifications row);
// group B handles OrderPlaced only (no effect but its inbox row), so a registered type
// it does not handle is skipped by B and dead-lettered or applied by A.
const groupA: ConsumerDefinition<PrismaTx> = {
  name: `bk-a-${suffix}`,
  topics: [topic],
  handles: ['orders.OrderPlaced', 'orders.OrderCancelled'],
  retry: { maxAttempts: 2, baseMs: 10, maxMs: 20 },
  async handle(event, ctx) {
    const data = event.data as { orderId: string };
    await ctx.tx.notification.create({ data: { eventId: event.id, orderId: data.orderId, kind: event.type } });
  },
};
const groupB: ConsumerDefinition<PrismaTx> = {
  name: `bk-b-${suffix}`,
  topics: [topic],
  handles: ['orders.OrderPlaced'],
  retry: { maxAttempts: 2, baseMs: 10, maxMs: 20 },
  async handle() {},
};
const groups = [groupA, groupB];

function envelope(overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}): Record<string, unknown> {
  return orderPlacedEnvelope({ source: '/test/boundary', overrides, data });
}

/** What docs/consumers.md's failure policy says a group does with these bytes (decoded as the consumer does). */
function policyOutcome(value: Buffer | null, handles: readonly string[]): Expected {
  const result = decodeMessage(registry, { value, headers: {} }, { maxBytes: CONSUMER_LIMIT, newTrace: () => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), flags: '01' }) });
  if (result.ok) return handles.includes(result.envelope.type) ? 'applied' : 'skipped';
  const type = result.partial.type;
  return type !== undefined && registry.has(type) && !handles.includes(type) ? 'skipped' : 'dlq';
}

type Headers = Record<string, string | Buffer | (string | Buffer)[]>;

interface Pending {
  inputClass: string;
  value: Buffer | null;
  key: Buffer | string | null;
  headers?: Headers;
  partition: number;
  expected: Record<string, Expected>;
}
const pending: Pending[] = [];

/** Queues a message (explicit partition, round robin, so its offset is known after the batched send). */
function send(inputClass: string, value: Buffer | null, options: { key?: Buffer | string | null; headers?: Headers } = {}): void {
  const key = options.key === undefined ? `bk-${randomBytes(6).toString('hex')}` : options.key;
  const expected = Object.fromEntries(groups.map((g) => [g.name, policyOutcome(value, g.handles)]));
  pending.push({ inputClass, value, key, headers: options.headers, partition: pending.length % PARTITIONS, expected });
}

/** Sends the queue in one request per partition and records each message's coordinates. */
async function flush(): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    const batch = pending.filter((m) => m.partition === p);
    if (!batch.length) continue;
    const [meta] = await producer.send({ topic, acks: -1, messages: batch.map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition: p })) });
    batch.forEach((m, i) => sent.push({ inputClass: m.inputClass, partition: p, offset: String(BigInt(meta!.baseOffset!) + BigInt(i)), expected: m.expected }));
  }
  pending.length = 0;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, offset = 0) => fc.sample(arb, { seed: SEED + offset, numRuns });

beforeAll(async () => {
  database = await createTestDatabase('boundary_kafka');
  db = createDb(database.url, { poolSize: 4 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  kafka = createKafka({ brokers: kafkaBrokers(), clientId: `t-bk-${suffix}`, logLevel: 'error' });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: PARTITIONS, config: { 'max.message.bytes': String(BROKER_LIMIT) } }]);
  await admin.disconnect();
  producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2 } });
  await producer.connect();
  for (const definition of groups) {
    consumers.push(
      await startConsumer(
        definition,
        { db, registry, outbox: createOutboxWriter({ source: '/test', topicFor: () => topic }), maxMessageBytes: CONSUMER_LIMIT },
        { kafka, groupPrefix: `t-${suffix}`, fromBeginning: true, log: (line) => logs.push(line) },
      ),
    );
  }
});

afterAll(async () => {
  for (const c of consumers) await c.stop().catch(() => undefined);
  await producer?.disconnect();
  if (kafka) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, ...groups.map((g) => replayTopicOf(g.name))] }).catch(() => undefined);
    await admin.deleteGroups(consumers.map((c) => c.groupId)).catch(() => undefined);
    await admin.disconnect();
  }
  await pool?.end();
  await db?.$disconnect();
  await database?.drop();
});

describe('Kafka boundary: hostile messages', () => {
  it('every bad message ends as a dead letter with a reason or a documented skip, per group; good messages after them are applied', async () => {
    // ── generated ──
    for (const bytes of sample(fc.uint8Array({ minLength: 1, maxLength: 2048 }), 24)) send('random bytes', Buffer.from(bytes));
    const valid = JSON.stringify(envelope());
    for (const cut of sample(fc.integer({ min: 1, max: Buffer.byteLength(valid) - 1 }), 12, 1)) {
      send('truncated JSON', Buffer.from(valid).subarray(0, cut));
    }
    for (const value of sample(fc.jsonValue({ maxDepth: 3 }), 12, 2)) send('arbitrary JSON', json(value));
    const fields = ['id', 'type', 'version', 'time', 'source', 'subject', 'datacontenttype', 'specversion', 'data', 'traceparent', 'trace_id'];
    const mutation = fc.record({ field: fc.constantFrom(...fields), value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) });
    for (const { field, value } of sample(mutation, 24, 3)) {
      const e = envelope();
      if (value === undefined) delete e[field];
      else e[field] = value;
      send('mutated envelope', json(e));
    }
    const dataMutation = fc.record({ field: fc.constantFrom('orderId', 'customerId', 'amountCents', 'currency', 'channel'), value: fc.jsonValue({ maxDepth: 1 }) });
    for (const { field, value } of sample(dataMutation, 8, 4)) send('data off its schema', json(envelope({}, { [field]: value })));
    const garbageHeader = fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)));
    for (const traceparent of sample(garbageHeader, 6, 5)) send('garbage traceparent header', json(envelope()), { headers: { traceparent } });
    for (const traceparent of sample(garbageHeader, 3, 6)) send('garbage traceparent header', Buffer.from('{"oops'), { headers: { traceparent } });

    // ── hand-written ──
    send('tombstone (null value)', null);
    send('tombstone (null value)', null, { key: null });
    send('empty value', Buffer.alloc(0));
    send('null key', json(envelope()), { key: null });
    send('null key', Buffer.from([0xff, 0xfe, 0x00]), { key: null });
    send('wrong content-type header', json(envelope()), { headers: { 'content-type': 'application/xml' } });
    send('wrong content-type header', json(envelope()), { headers: { 'content-type': Buffer.from([0xc3, 0x28]) } });
    send('wrong datacontenttype in envelope', json(envelope({ datacontenttype: 'text/xml' })));
    send('missing event-type header', json(envelope()), { headers: {} });
    send('event-type header contradicting the envelope', json(envelope()), { headers: { 'event-type': 'orders.OrderTeleported', 'ce-type': 'x' } });
    send('duplicate header keys', json(envelope()), { headers: { traceparent: [`00-${'12'.repeat(16)}-${'34'.repeat(8)}-01`, 'garbage'] } });
    send('duplicate header keys', json(envelope()), { headers: { traceparent: ['garbage', `00-${'12'.repeat(16)}-${'34'.repeat(8)}-01`], 'signalbox-dlq-id': [randomUUID(), randomUUID()] } });
    send('replay lineage header on the main topic', json(envelope()), { headers: { 'signalbox-dlq-id': randomUUID(), 'signalbox-original-offset': '-1' } });
    send('unknown event type', json(envelope({ type: 'orders.OrderTeleported' })));
    send('future version', json(envelope({ version: 99 })));
    // Placed data under the Cancelled type: A (handles it) dead-letters it, B (does not) skips it.
    send('registered type, data off its schema', json(envelope({ type: 'orders.OrderCancelled', version: 1 })));
    const cancelled = envelope({ type: 'orders.OrderCancelled', version: 1 });
    cancelled.data = { orderId: cancelled.subject, reason: 'customer asked' };
    send('registered type not handled (valid)', json(cancelled));
    send('binary key', json(envelope()), { key: randomBytes(64) });
    // Hostile values that once made the dead letter itself unstorable (the partition stalled, retried forever):
    // a version beyond int4, NUL in text PostgreSQL would store (type, subject, a JSON error quoting the input).
    send('unstorable values in a bad envelope', json(envelope({ version: 3e9 })));
    send('unstorable values in a bad envelope', json(envelope({ version: -1.2e78 })));
    send('unstorable values in a bad envelope', json(envelope({ type: 'orders.Order\u0000Placed', subject: 'a\u0000b' })));
    send('unstorable values in a bad envelope', json(envelope({ id: 'x\u0000', subject: 'a\u0000b', time: 'never' })));
    send('NUL inside JSON text', Buffer.from('{"id": "\u0000", \u0000 }'.replace('\\u0000', '\u0000')));
    send('NUL inside JSON text', Buffer.from([0x7b, 0x00, 0x7d]));

    await flush();

    // ── sizes (one request each: the broker's limit applies to a whole record batch) ──
    const padTo = (size: number) => {
      const e = envelope();
      const base = Buffer.byteLength(JSON.stringify({ ...e, padding: '' }));
      return json({ ...e, padding: 'p'.repeat(size - base) });
    };
    const nearLimit = padTo(CONSUMER_LIMIT);
    expect(nearLimit.byteLength).toBe(CONSUMER_LIMIT);
    send('giant: exactly the consumer limit', nearLimit);
    await flush();
    send('giant: one byte over the consumer limit', padTo(CONSUMER_LIMIT + 1));
    await flush();
    send('giant: 200 KiB random bytes', randomBytes(200 * 1024));
    await flush();
    // Over the broker's limit: refused to the producer, so it never reaches a consumer (nothing to lose).
    const before = await topicEnds();
    await expect(producer.send({ topic, acks: -1, messages: [{ key: 'too-big', value: randomBytes(BROKER_LIMIT + 1024) }] })).rejects.toThrow(/too large|MESSAGE_TOO_LARGE|larger/i);
    expect(await topicEnds()).toEqual(before);

    // ── a good message on every partition after all of that ──
    const markers: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const e = envelope();
      markers.push(e.id as string);
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: `marker-${p}`, value: json(e), partition: p }] });
      sent.push({ inputClass: 'good message after the bad ones', partition: meta!.partition, offset: meta!.baseOffset!, expected: { [groupA.name]: 'applied', [groupB.name]: 'applied' } });
    }

    const count = sqlCounter(pool);
    for (const g of groups) {
      await waitFor(`${g.name} to apply the markers after the bad messages`, async () =>
        (await count(`SELECT count(*) FROM consumer_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])`, g.name, markers)) === PARTITIONS,
      300_000, 250).catch(async (error: unknown) => {
        const progress = await pool.query(`SELECT consumer, outcome::text, count(*)::int AS n, max(partition || '@' || "offset") AS last FROM consumer_attempts WHERE topic = $1 GROUP BY 1, 2`, [topic]);
        const letters = await pool.query(`SELECT consumer, partition, max("offset")::text AS last, count(*)::int AS n FROM dlq_messages WHERE topic = $1 GROUP BY 1, 2`, [topic]);
        throw new Error(`${String(error)}\nattempts: ${JSON.stringify(progress.rows)}\ndead letters: ${JSON.stringify(letters.rows)}\nsent: ${sent.length}\nlogs: ${logs.join('\n')}`);
      });
    }

    // ── accounting, per group, by plain SQL ──
    const tally: Array<{ boundary: string; inputClass: string; outcome: string; count: number }> = [];
    for (const g of groups) {
      const expectedOf = (o: Expected) => sent.filter((s) => s.expected[g.name] === o);
      const dlqRows = (await pool.query<{ partition: number; offset: string; error_code: string; error_message: string; payload_size: number }>(
        `SELECT partition, "offset"::text AS offset, error_code, error_message, payload_size FROM dlq_messages WHERE consumer = $1 AND topic = $2`, [g.name, topic])).rows;
      const inboxRows = (await pool.query<{ partition: number; offset: string }>(
        `SELECT partition, "offset"::text AS offset FROM consumer_inbox WHERE consumer = $1 AND topic = $2`, [g.name, topic])).rows;
      const at = (r: { partition: number; offset: string }) => `${r.partition}@${r.offset}`;

      expect(await count(`SELECT count(*) FROM dlq_messages WHERE consumer = $1 AND topic = $2`, g.name, topic), `${g.name}: dead letters`).toBe(expectedOf('dlq').length);
      expect(await count(`SELECT count(*) FROM consumer_inbox WHERE consumer = $1 AND topic = $2`, g.name, topic), `${g.name}: applied`).toBe(expectedOf('applied').length);
      expect(new Set(dlqRows.map(at)), `${g.name}: which messages were dead-lettered`).toEqual(new Set(expectedOf('dlq').map(at)));
      expect(new Set(inboxRows.map(at)), `${g.name}: which messages were applied`).toEqual(new Set(expectedOf('applied').map(at)));
      // Every dead letter says why, with a known code.
      for (const row of dlqRows) {
        expect(row.error_code).toMatch(/^(undecodable|oversized|schema_invalid|unknown_type|unsupported_version)$/);
        expect(row.error_message.length).toBeGreaterThan(10);
        expect(row.error_message).not.toMatch(/\n\s+at /);
      }
      // Skipped ones leave no attempt (nothing half-done), and none is in both sets.
      const skipped = expectedOf('skipped');
      if (skipped.length) {
        const coords = skipped.map(at);
        expect(await count(`SELECT count(*) FROM consumer_attempts WHERE consumer = $1 AND topic = $2 AND (partition::text || '@' || "offset"::text) = ANY($3::text[])`, g.name, topic, coords)).toBe(0);
      }
      expect(dlqRows.length + inboxRows.length + skipped.length).toBe(sent.length);

      const byClass = new Map<string, Map<string, number>>();
      for (const s of sent) {
        const outcome = s.expected[g.name]!;
        const row = dlqRows.find((r) => at(r) === at(s));
        const label = outcome === 'dlq' ? `dead letter (${row?.error_code ?? '?'})` : outcome;
        const m = byClass.get(s.inputClass) ?? new Map<string, number>();
        m.set(label, (m.get(label) ?? 0) + 1);
        byClass.set(s.inputClass, m);
      }
      for (const [inputClass, outcomes] of byClass) {
        for (const [outcome, n] of outcomes) tally.push({ boundary: `Kafka message (group ${g === groupA ? 'A: handles Placed+Cancelled' : 'B: handles Placed'})`, inputClass, outcome, count: n });
      }
    }
    // Tombstones and empty values are kept as zero-byte dead letters.
    expect(await count(`SELECT count(*) FROM dlq_messages WHERE topic = $1 AND payload_size = 0 AND error_code = 'undecodable'`, topic)).toBe(groups.length * 3);
    // The consumers never crashed or restarted.
    expect(logs.filter((l) => /starting it again|failed \(|stopped after/.test(l))).toEqual([]);
    tally.push({ boundary: 'Kafka message (producer)', inputClass: 'giant: over the broker limit', outcome: 'refused to the producer (MESSAGE_TOO_LARGE), never on the topic', count: 1 });
    writeTally('kafka', tally);
  }, 500_000);
});

async function topicEnds(): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => p.high);
  } finally {
    await admin.disconnect();
  }
}

/** Rows for scripts/bad-input-report.ts. */
function writeTally(name: string, rows: Array<{ boundary: string; inputClass: string; outcome: string; count: number }>): void {
  mkdirSync('.data/bad-input', { recursive: true });
  writeFileSync(`.data/bad-input/${name}.json`, JSON.stringify(rows, null, 2));
}
