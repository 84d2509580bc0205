// The end-of-run verdict of a fault run over the real demo system, after it has
// drained. Counts (not only a list truncated at 50) of:
//   lost     an event a consumer handles with neither an inbox row nor a dead letter
//   doubled  an event applied more than once (successful attempts, effect rows), a
//            follow-up fact emitted twice for one cause, or one order with the same
//            fact twice in the outbox
//   drift    read-model rows that differ from a recomputation: by the projection's own
//            evolve over the log, and by plain SQL over the outbox sharing no code with
//            evolve (customer_stats: tests/support/demo-projection-checks.ts;
//            order_summary: orderSummaryDrift below)
//   unpublished outbox rows never published
//   unaccounted poison  messages on the topic that are not outbox events (the foreign
//            producer's poison) and that a consumer should have dead-lettered but did not
// plus the invariant checker's own list (tests/support/invariants.ts) for the report.
import { randomBytes } from 'node:crypto';
import type { Db } from '@/lib/adapters/prisma/client';
import { createKafka } from '@/lib/adapters/kafka/kafka-client';
import { prismaEventLog } from '@/lib/adapters/prisma/event-log';
import { recomputeProjection } from '@/lib/backbone/recompute-projection';
import { decodeMessage } from '@/lib/domain/events/decode';
import { demoConsumers } from '@/lib/demo/consumers';
import { demoProjections } from '@/lib/demo/projections';
import { createOrderEventRegistry, ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { effectRowsPerEvent, findInvariantViolations } from '../support/invariants';
import { customerStatsDrift, demoProjectionChecks } from '../support/demo-projection-checks';
import { activeTables, judgeJobs, type JobChecks } from './job-checks';
import { expectedReplayTopic, expectedReplayTopicPrefix } from './expected-replay-topic';

export interface ConsumerTally {
  consumer: string;
  handled: number;
  applied: number;
  /** Still dead-lettered at the end (not applied). */
  deadLettered: number;
  /** Dead-lettered, then applied exactly once through a DLQ replay (counted in applied too). */
  replayed: number;
  lost: number;
  doubled: number;
}

export interface Verdict {
  outboxEvents: number;
  unpublished: number;
  lost: number;
  doubled: number;
  drift: number;
  deadLettered: number;
  poisonOnTopic: number;
  poisonUnaccounted: number;
  /** Outbox events that reached the topic more than once (re-sent by the relay; harmless when the inbox absorbed them). */
  resentCopies: number;
  notOnTopic: number;
  consumers: ConsumerTally[];
  drifts: Record<string, number>;
  /** The read-model tables judged: the active version of each projection (projection_registry). */
  tables?: { orderSummary: string; customerStats: string };
  /** The console's jobs of the run (DLQ replay, projection rebuild): job-checks.ts. */
  jobs?: JobChecks;
  problems: string[];
}

export function passed(v: Verdict): boolean {
  return v.lost === 0 && v.doubled === 0 && v.drift === 0 && v.unpublished === 0 && v.poisonUnaccounted === 0 && (v.jobs?.failures ?? 0) === 0;
}

/** The tables the checks read: each demo projection's active version, as projection_registry names it. */
async function readModelTables(db: Db): Promise<{ orderSummary: string; customerStats: string }> {
  const active = await activeTables(db);
  const table = (projection: string) => {
    const t = active.get(projection)?.table;
    if (!t) throw new Error(`projection_registry has no row for ${projection}`);
    return t;
  };
  return { orderSummary: table('order-summary'), customerStats: table('customer-stats') };
}

const registry = createOrderEventRegistry();
export const demoDefinitions = [...demoConsumers(), ...demoProjections()].map((d) => ({ name: d.name, handles: [...d.handles] as string[] }));

async function consumerTally(db: Db, consumer: { name: string; handles: string[] }): Promise<ConsumerTally> {
  const replayTopic = expectedReplayTopic(consumer.name);
  // replayed_once: every dead letter of the event resolved after a replay, one inbox row (written from the
  // replay topic) and one successful attempt: a dead letter replaced by exactly one application, not a double.
  const [row] = await db.$queryRaw<Array<{ handled: number; applied: number; dead: number; replayed: number; lost: number; doubled: number }>>`
    WITH per_event AS (
      SELECT o.event_id,
             (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = ${consumer.name} AND i.event_id = o.event_id) AS inbox,
             (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = ${consumer.name} AND i.event_id = o.event_id AND i.topic = ${replayTopic}) AS inbox_replay,
             (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = ${consumer.name} AND a.event_id = o.event_id AND a.outcome = 'ok') AS ok,
             (SELECT count(*) FROM dlq_messages d WHERE d.consumer = ${consumer.name} AND d.event_id = o.event_id) AS dead,
             (SELECT count(*) FROM dlq_messages d WHERE d.consumer = ${consumer.name} AND d.event_id = o.event_id
                 AND d.status = 'resolved' AND jsonb_array_length(d.replays) > 0) AS dead_replayed,
             (SELECT count(*) FROM dlq_messages d WHERE d.consumer = ${consumer.name} AND d.event_id = o.event_id
                 AND d.status IN ('resolved', 'replaying')) AS dead_closed
        FROM outbox_events o
       WHERE o.topic = ${ORDERS_TOPIC} AND o.type = ANY(${consumer.handles}::text[])),
    judged AS (
      SELECT *, (dead > 0 AND dead_replayed = dead AND inbox = 1 AND inbox_replay = 1 AND ok = 1) AS replayed_once FROM per_event)
    SELECT count(*)::int AS handled,
           (count(*) FILTER (WHERE inbox > 0))::int AS applied,
           (count(*) FILTER (WHERE dead > 0 AND NOT replayed_once))::int AS dead,
           (count(*) FILTER (WHERE replayed_once))::int AS replayed,
           -- Lost: neither applied nor dead-lettered, or a dead letter resolved / left replaying without an application.
           (count(*) FILTER (WHERE (inbox = 0 AND dead = 0) OR (inbox = 0 AND dead_closed > 0)))::int AS lost,
           (count(*) FILTER (WHERE inbox > 1 OR ok > 1 OR (dead > 0 AND inbox > 0 AND NOT replayed_once)))::int AS doubled
      FROM judged`;
  const r = row!;
  return { consumer: consumer.name, handled: r.handled, applied: r.applied, deadLettered: r.dead, replayed: r.replayed, lost: r.lost, doubled: r.doubled };
}

/** Business facts doubled in the outbox: a cause with two follow-ups of one type, an order with one fact twice. */
async function doubledFacts(db: Db): Promise<{ byCause: number; byOrder: number }> {
  const [row] = await db.$queryRaw<Array<{ by_cause: number; by_order: number }>>`
    SELECT (SELECT count(*) FROM (SELECT causation_id, type FROM outbox_events WHERE causation_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) c)::int AS by_cause,
           (SELECT count(*) FROM (SELECT subject, type FROM outbox_events GROUP BY 1, 2 HAVING count(*) > 1) s)::int AS by_order`;
  return { byCause: row!.by_cause, byOrder: row!.by_order };
}

/**
 * order_summary_v1 recomputed by plain SQL over the outbox (no evolve, no decoder):
 * one row per order with a fact, its customer, amount and currency (from the order or
 * its payment), each milestone at its event's time, and the status of the latest stage.
 */
export async function orderSummaryDrift(db: Db, table = 'order_summary_v1'): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ order_id: string; problem: string }>>(`
    WITH facts AS (
      SELECT envelope->'data'->>'orderId' AS order_id,
             min(envelope->'data'->>'customerId') AS customer_id,
             coalesce(min((envelope->'data'->>'amountCents')::int) FILTER (WHERE type = 'orders.OrderPlaced'),
                      min((envelope->'data'->>'amountCents')::int) FILTER (WHERE type = 'payments.PaymentAuthorized'), 0) AS amount_cents,
             coalesce(min(envelope->'data'->>'currency') FILTER (WHERE type = 'orders.OrderPlaced'),
                      min(envelope->'data'->>'currency') FILTER (WHERE type = 'payments.PaymentAuthorized'), 'XXX') AS currency,
             max((envelope->>'time')::timestamptz) FILTER (WHERE type = 'orders.OrderPlaced') AS placed_at,
             max((envelope->>'time')::timestamptz) FILTER (WHERE type = 'payments.PaymentAuthorized') AS paid_at,
             max((envelope->>'time')::timestamptz) FILTER (WHERE type = 'payments.PaymentFailed') AS payment_failed_at,
             max((envelope->>'time')::timestamptz) FILTER (WHERE type = 'shipping.ShipmentDispatched') AS dispatched_at,
             max((envelope->>'time')::timestamptz) FILTER (WHERE type = 'shipping.ShipmentDelivered') AS delivered_at,
             max((envelope->>'time')::timestamptz) FILTER (WHERE type = 'orders.OrderCancelled') AS cancelled_at
        FROM outbox_events
       WHERE topic = '${ORDERS_TOPIC}'
         AND type IN ('orders.OrderPlaced', 'payments.PaymentAuthorized', 'payments.PaymentFailed',
                      'shipping.ShipmentDispatched', 'shipping.ShipmentDelivered', 'orders.OrderCancelled')
       GROUP BY 1),
    expected AS (
      SELECT *, CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled' WHEN delivered_at IS NOT NULL THEN 'delivered'
                     WHEN dispatched_at IS NOT NULL THEN 'dispatched' WHEN paid_at IS NOT NULL THEN 'paid'
                     WHEN payment_failed_at IS NOT NULL THEN 'payment_failed' WHEN placed_at IS NOT NULL THEN 'placed'
                     ELSE 'unknown' END AS status
        FROM facts)
    SELECT coalesce(e.order_id, a.order_id::text) AS order_id,
           CASE WHEN a.order_id IS NULL THEN 'missing'
                WHEN e.order_id IS NULL THEN 'has no events in the outbox'
                ELSE 'differs: ' || concat_ws(', ',
                  CASE WHEN a.customer_id IS DISTINCT FROM e.customer_id THEN 'customer' END,
                  CASE WHEN a.status IS DISTINCT FROM e.status THEN 'status ' || a.status || ' != ' || e.status END,
                  CASE WHEN a.amount_cents IS DISTINCT FROM e.amount_cents THEN 'amount' END,
                  CASE WHEN a.currency IS DISTINCT FROM e.currency THEN 'currency' END,
                  CASE WHEN a.placed_at IS DISTINCT FROM date_trunc('milliseconds', e.placed_at) THEN 'placed_at' END,
                  CASE WHEN a.paid_at IS DISTINCT FROM date_trunc('milliseconds', e.paid_at) THEN 'paid_at' END,
                  CASE WHEN a.payment_failed_at IS DISTINCT FROM date_trunc('milliseconds', e.payment_failed_at) THEN 'payment_failed_at' END,
                  CASE WHEN a.dispatched_at IS DISTINCT FROM date_trunc('milliseconds', e.dispatched_at) THEN 'dispatched_at' END,
                  CASE WHEN a.delivered_at IS DISTINCT FROM date_trunc('milliseconds', e.delivered_at) THEN 'delivered_at' END,
                  CASE WHEN a.cancelled_at IS DISTINCT FROM date_trunc('milliseconds', e.cancelled_at) THEN 'cancelled_at' END)
           END AS problem
      FROM expected e FULL JOIN "${table}" a ON a.order_id::text = e.order_id
     WHERE a.order_id IS NULL OR e.order_id IS NULL
        OR a.customer_id IS DISTINCT FROM e.customer_id OR a.status IS DISTINCT FROM e.status
        OR a.amount_cents IS DISTINCT FROM e.amount_cents OR a.currency IS DISTINCT FROM e.currency
        OR a.placed_at IS DISTINCT FROM date_trunc('milliseconds', e.placed_at) OR a.paid_at IS DISTINCT FROM date_trunc('milliseconds', e.paid_at)
        OR a.payment_failed_at IS DISTINCT FROM date_trunc('milliseconds', e.payment_failed_at)
        OR a.dispatched_at IS DISTINCT FROM date_trunc('milliseconds', e.dispatched_at)
        OR a.delivered_at IS DISTINCT FROM date_trunc('milliseconds', e.delivered_at)
        OR a.cancelled_at IS DISTINCT FROM date_trunc('milliseconds', e.cancelled_at)`);
  return rows.map((r) => `${table}: order ${r.order_id} ${r.problem}`);
}

/** Rows of each projection that differ from its own evolve over the log (all of them counted). */
async function evolveDrift(db: Db, tables: { orderSummary: string; customerStats: string }): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const check of demoProjectionChecks([ORDERS_TOPIC], tables)) {
    const name = check.definition.name;
    const problems: string[] = [];
    const expected = await recomputeProjection(prismaEventLog(db), registry, check.definition);
    const actual = await check.readRows(db);
    for (const [key, row] of expected) {
      const got = actual.get(key);
      if (!got) problems.push(`${name}: row ${key} is missing`);
      else if (JSON.stringify(check.normalise(got)) !== JSON.stringify(check.normalise(row))) problems.push(`${name}: row ${key} differs from evolve`);
    }
    for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${name}: unexpected row ${key}`);
    result[`${name} (evolve)`] = problems;
  }
  return result;
}

interface TopicMessage {
  partition: number;
  offset: string;
  value: Buffer | null;
}

/** Every message on the demo topic, read from the beginning by a throw-away group. */
export async function readTopic(brokers: string[], timeoutMs = 120_000): Promise<TopicMessage[]> {
  const kafka = createKafka({ brokers, clientId: 'fault-checker', logLevel: 'error' });
  const admin = kafka.admin();
  const groupId = `fault-checker-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 50 * 1024 * 1024 });
  const messages: TopicMessage[] = [];
  const next = new Map<number, bigint>();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(ORDERS_TOPIC);
    await consumer.connect();
    await consumer.subscribe({ topic: ORDERS_TOPIC, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          messages.push({ partition: batch.partition, offset: m.offset, value: m.value });
          next.set(batch.partition, BigInt(m.offset) + 1n);
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!ends.every((e) => (next.get(e.partition) ?? BigInt(e.low)) >= BigInt(e.high))) {
      if (Date.now() > deadline) throw new Error(`readTopic: read ${messages.length} messages, not up to the end, in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return messages;
}

/** Poison on the topic (not outbox events) that some consumer should have dead-lettered and did not. */
async function poisonAccounting(db: Db, brokers: string[]): Promise<{ poison: number; unaccounted: string[]; resent: number; notOnTopic: number }> {
  const messages = await readTopic(brokers);
  const outboxIds = new Set((await db.$queryRaw<Array<{ id: string }>>`SELECT event_id::text AS id FROM outbox_events WHERE topic = ${ORDERS_TOPIC}`).map((r) => r.id));
  const dead = new Set(
    (await db.$queryRaw<Array<{ k: string }>>`SELECT consumer || '/' || partition || '/' || "offset" AS k FROM dlq_messages WHERE topic = ${ORDERS_TOPIC}`).map((r) => r.k),
  );
  const seen = new Map<string, number>();
  let poison = 0;
  const unaccounted: string[] = [];
  for (const m of messages) {
    const decoded = decodeMessage(registry, { value: m.value, headers: {} }, { newTrace: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), flags: '00' }) });
    const id = decoded.ok ? decoded.envelope.id : undefined;
    if (id && outboxIds.has(id)) {
      seen.set(id, (seen.get(id) ?? 0) + 1);
      continue;
    }
    poison++;
    const type = decoded.ok ? decoded.envelope.type : decoded.partial.type;
    for (const consumer of demoDefinitions) {
      // A registered type this consumer does not handle is skipped, not dead-lettered (lib/backbone/processor/plan.ts).
      const notItsBusiness = type !== undefined && registry.has(type) && !consumer.handles.includes(type);
      if (!notItsBusiness && !dead.has(`${consumer.name}/${m.partition}/${m.offset}`)) {
        unaccounted.push(`${consumer.name}: poison at ${ORDERS_TOPIC}/${m.partition}@${m.offset} (${type ?? 'undecodable'}) has no dead letter`);
      }
    }
  }
  let resent = 0;
  for (const n of seen.values()) resent += n - 1;
  // A row marked published whose event is not on the topic was lost between the relay and the broker.
  const notOnTopic = [...outboxIds].filter((id) => !seen.has(id)).length;
  return { poison, unaccounted, resent, notOnTopic };
}

export async function judgeRun(db: Db, brokers: string[]): Promise<Verdict> {
  const outboxEvents = await db.outboxEvent.count({ where: { topic: ORDERS_TOPIC } });
  const unpublished = await db.outboxEvent.count({ where: { topic: ORDERS_TOPIC, publishedAt: null } });
  const consumers: ConsumerTally[] = [];
  for (const definition of demoDefinitions) consumers.push(await consumerTally(db, definition));
  const facts = await doubledFacts(db);
  const tables = await readModelTables(db);
  const driftLists: Record<string, string[]> = {
    ...(await evolveDrift(db, tables)),
    'customer-stats (SQL over the outbox)': await customerStatsDrift(db, [ORDERS_TOPIC], tables.customerStats),
    'order-summary (SQL over the outbox)': await orderSummaryDrift(db, tables.orderSummary),
  };
  const jobs = await judgeJobs(db, { notifications: 'notifications' });
  const poison = await poisonAccounting(db, brokers);
  const checker = await findInvariantViolations({
    db,
    registry,
    consumers: demoDefinitions,
    projections: demoProjectionChecks([ORDERS_TOPIC], tables),
    effects: [effectRowsPerEvent('notifications', 'notifications')],
    topics: [ORDERS_TOPIC],
    allowDeadLetters: true,
  });
  // The checker counts a dead letter and an application of one event as a double, and expects no effect row
  // for a dead-lettered event; an event replayed and applied once is judged by consumerTally and job-checks.ts instead.
  const replayedOnce = await replayedOnceKeys(db);
  const checkerProblems = checker.filter((p) => !isAboutReplayedOnce(p, replayedOnce));
  const drifts = Object.fromEntries(Object.entries(driftLists).map(([k, v]) => [k, v.length]));
  // Rows drifted per read model: the larger of its two recomputations' counts (a drifted row shows in both).
  const byModel = (prefix: string) => Math.max(0, ...Object.entries(drifts).filter(([k]) => k.startsWith(prefix)).map(([, n]) => n));
  const problems = [
    ...jobs.problems.slice(0, 20),
    ...checkerProblems,
    ...(facts.byCause ? [`${facts.byCause} causes emitted the same follow-up type twice`] : []),
    ...(facts.byOrder ? [`${facts.byOrder} orders have the same fact twice in the outbox`] : []),
    ...Object.values(driftLists).flatMap((list) => list.slice(0, 10)),
    ...poison.unaccounted.slice(0, 20),
    ...(poison.notOnTopic ? [`${poison.notOnTopic} outbox events marked published are not on the topic`] : []),
  ];
  return {
    outboxEvents,
    unpublished,
    lost: consumers.reduce((n, c) => n + c.lost, 0) + poison.notOnTopic,
    doubled: consumers.reduce((n, c) => n + c.doubled, 0) + facts.byCause + facts.byOrder,
    drift: byModel('order-summary') + byModel('customer-stats'),
    deadLettered: consumers.reduce((n, c) => n + c.deadLettered, 0),
    poisonOnTopic: poison.poison,
    poisonUnaccounted: poison.unaccounted.length,
    resentCopies: poison.resent,
    notOnTopic: poison.notOnTopic,
    consumers,
    drifts,
    tables,
    jobs,
    problems: [...new Set(problems)].slice(0, 60),
  };
}

/** `consumer/event` of events dead-lettered and then applied exactly once through a replay (the same rule as consumerTally). */
async function replayedOnceKeys(db: Db): Promise<Set<string>> {
  const replayPrefix = expectedReplayTopicPrefix();
  const rows = await db.$queryRaw<Array<{ k: string }>>`
    SELECT d.consumer || '/' || d.event_id::text AS k
      FROM dlq_messages d
     WHERE d.event_id IS NOT NULL
     GROUP BY d.consumer, d.event_id
    HAVING bool_and(d.status = 'resolved' AND jsonb_array_length(d.replays) > 0)
       AND (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = d.consumer AND i.event_id = d.event_id) = 1
       AND (SELECT count(*) FROM consumer_inbox i WHERE i.consumer = d.consumer AND i.event_id = d.event_id
              AND i.topic = ${replayPrefix} || d.consumer || '.v1') = 1
       AND (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = d.consumer AND a.event_id = d.event_id AND a.outcome = 'ok') = 1`;
  return new Set(rows.map((r) => r.k));
}

/** A checker line about a replayed-once event: "both applied and dead-lettered", or its one effect row "(dead-lettered)". */
function isAboutReplayedOnce(problem: string, replayedOnce: Set<string>): boolean {
  const m = /^([^:]+): event ([0-9a-f-]{36}) (is both applied and dead-lettered|has 1 effect rows \(dead-lettered\))$/.exec(problem);
  return !!m && replayedOnce.has(`${m[1]}/${m[2]}`);
}
