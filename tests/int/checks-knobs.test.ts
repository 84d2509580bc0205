// Every check the demo's fault knobs (and stopping its workers) can move, driven to WARN and
// CRIT and back to OK by the real processes: the relay, three demo consumers (payments,
// shipping and the order-summary projection), the traffic generator, the lag sampler and
// the checker run as child processes against a test database and a Kafka broker of the
// test's own (tests/support/own-kafka.ts), with short thresholds. Every change is a stored transition,
// every period of non-OK a closed incident, and every transition a signed webhook that a
// local HTTP server receives and verifies.
//
// Knobs → checks: slowConsumer → consumer.status WARN, consumer.lag WARN/CRIT;
// stalledConsumer (the projection's consumer) → projection.lag WARN/CRIT;
// stoppedConsumer → consumer.status CRIT; permanentFailureShare → dlq.inflow and dlq.open
// WARN/CRIT (open letters discarded to recover); relay stopped → relay.alive, outbox.backlog,
// outbox.age; sampler stopped → sampler.fresh, kafka.reachable WARN; a sampler given a dead
// broker address → kafka.reachable CRIT. Not here: postgres.reachable (the checker's own
// outage path, tests/unit/checks.test.ts and the PostgreSQL fault tests), projection.drift and
// projection.rebuild (driven by drift-check and rebuild jobs, not by knobs; tests/unit/checks.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { SIGNATURE_HEADER, verifySignature } from '@/lib/domain/checks/webhook-signature';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createKafka } from '@/lib/adapters/kafka/kafka-client';
import { DemoWorkers, TEST_ORDERS_TOPIC } from '../support/demo-workers';
import { uniqueName } from '../support/kafka';
import { startOwnKafka, type OwnKafka } from '../support/own-kafka';
import { waitFor } from '../support/wait-for';

const SECRET = 'knob-test-secret-'.padEnd(48, 'k');
const PREFIX = uniqueName('checks');
const LOG_DIR = path.resolve(__dirname, '../../.data/test-logs');
const CHECKER_ENV = {
  CHECKS_INTERVAL_SECONDS: '1',
  CHECKS_LAG_WARN_SECONDS: '5',
  CHECKS_LAG_CRIT_SECONDS: '15',
  CHECKS_PROJECTION_LAG_WARN_SECONDS: '5',
  CHECKS_PROJECTION_LAG_CRIT_SECONDS: '15',
  CHECKS_DLQ_INFLOW_WINDOW_SECONDS: '60',
  // Shipping only sees what the slowed payments consumer (2 s a message) lets through:
  // about 30 events a minute, 30 % of them failing, so ~9 dead letters a minute at most.
  // CRIT at 20/min could never be reached (the clean CI run timed out on it).
  CHECKS_DLQ_INFLOW_WARN_PER_MINUTE: '2',
  CHECKS_DLQ_INFLOW_CRIT_PER_MINUTE: '6',
  CHECKS_DLQ_OPEN_WARN: '3',
  CHECKS_DLQ_OPEN_CRIT: '20',
  CHECKS_OUTBOX_BACKLOG_WARN: '10',
  CHECKS_OUTBOX_BACKLOG_CRIT: '150',
  CHECKS_OUTBOX_AGE_WARN_SECONDS: '4',
  CHECKS_OUTBOX_AGE_CRIT_SECONDS: '25',
  CHECKS_HEARTBEAT_WARN_SECONDS: '5',
  CHECKS_HEARTBEAT_CRIT_SECONDS: '10',
  CHECKS_WEBHOOK_SECRET: SECRET,
  CHECKS_WEBHOOK_TIMEOUT_MS: '2000',
};
const SAMPLER_ENV = { SAMPLER_INTERVAL_SECONDS: '1', SAMPLER_WINDOW_SECONDS: '30' };
const CONSUMERS = ['payments', 'shipping', 'order-summary'];

let database: TestDatabase;
let pool: pg.Pool;
let server: http.Server;
let workers: DemoWorkers;
let kafka: OwnKafka | undefined;
const received: { body: { check: { id: string }; from: string | null; to: string; runbook: { url: string } | null }; verified: boolean }[] = [];

const knobs = (settings: Record<string, unknown>) => pool.query(`UPDATE demo_knobs SET settings = settings || $1::jsonb WHERE id = 1`, [JSON.stringify(settings)]);
const stateOf = async (id: string) => (await pool.query<{ state: string }>(`SELECT state FROM check_states WHERE check_id = $1`, [id])).rows[0]?.state ?? null;
/**
 * Waits until check `id` has been `state` at some transition after transition id `after`
 * (or is it now). WARN is reached by CRIT too: a check whose figure crosses both thresholds
 * between two evaluations goes from OK to CRIT at once (seen in CI: dlq.inflow:shipping went
 * OK → CRIT with 10 dead letters in its first minute, and the wait for WARN timed out).
 */
async function reaches(id: string, state: 'OK' | 'WARN' | 'CRIT', after: string, timeoutMs = 150_000): Promise<void> {
  const states = state === 'WARN' ? ['WARN', 'CRIT'] : [state];
  try {
    await waitFor(
      `${id} to reach ${state}`,
      async () =>
        (await pool.query(`SELECT 1 FROM check_transitions WHERE check_id = $1 AND to_state = ANY($2) AND id > $3 LIMIT 1`, [id, states, after])).rowCount! > 0 ||
        states.includes((await stateOf(id)) ?? ''),
      timeoutMs,
      500,
    );
  } catch (error) {
    // Say what the checker saw instead.
    const { rows } = await pool.query<{ check_id: string; state: string; evidence: string }>(`SELECT check_id, state, evidence FROM check_states ORDER BY check_id`);
    throw new Error(`${(error as Error).message}\n${rows.map((r) => `  ${r.check_id} ${r.state}: ${r.evidence}`).join('\n')}`);
  }
}
const mark = async () => (await pool.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM check_transitions`)).rows[0]!.id;
const projectionLagId = async () => (await waitFor('a projection.lag check', async () => (await pool.query<{ check_id: string }>(`SELECT check_id FROM check_states WHERE kind = 'projection.lag'`)).rows[0]?.check_id, 60_000, 500));

beforeAll(async () => {
  database = await createTestDatabase('checks_knobs');
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const signature = (req.headers[SIGNATURE_HEADER] as string | undefined) ?? null;
      received.push({ body: JSON.parse(body) as (typeof received)[number]['body'], verified: verifySignature(SECRET, body, signature, Math.floor(Date.now() / 1000)) });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  await pool.query(`INSERT INTO demo_knobs (id, settings) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings`, [
    JSON.stringify({ ratePerSecond: 5, poisonShare: 0, transientFailureShare: 0, permanentFailureShare: 0, slowConsumer: null, slowMs: 0, stoppedConsumer: null, stalledConsumer: null }),
  ]);
  // A broker of its own: the demo topic on the shared broker carries every other run's
  // orders (and its history), which this database never had: the consumers would
  // dead-letter them as "order not found", and the DLQ checks would measure those.
  kafka = await startOwnKafka('checks-knobs');
  workers = new DemoWorkers({ databaseUrl: database.url, prefix: PREFIX, logDir: LOG_DIR, logPrefix: PREFIX, env: { KAFKA_BROKERS: kafka.brokers.join(',') } });
  workers.start('relay', 'workers/outbox-relay/index.ts');
  workers.start('consumers', 'workers/demo-consumers/index.ts', { CONSUMERS: CONSUMERS.join(','), CONSUMER_PARTITION_CONCURRENCY: '1' });
  workers.start('traffic', 'workers/traffic-generator/index.ts');
  workers.start('sampler', 'workers/lag-sampler/index.ts', SAMPLER_ENV);
  workers.start('checks', 'workers/checks/index.ts', { ...CHECKER_ENV, CHECKS_WEBHOOK_URL: hook });
}, 300_000);

afterAll(async () => {
  await workers?.stopAll();
  await kafka?.remove();
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
  await database?.drop();
}, 60_000);

describe('checks driven by the demo fault knobs', () => {
  it('start: every consumer, the relay, the outbox and the sampler OK', async () => {
    for (const id of ['consumer.status:payments', 'consumer.status:shipping', 'consumer.status:order-summary', 'relay.alive:system', 'sampler.fresh:system', 'outbox.backlog:system', 'kafka.reachable:system']) {
      await waitFor(`${id} OK`, async () => (await stateOf(id)) === 'OK', 150_000, 500);
    }
    // The workers name the tests' topics (KAFKA_TOPIC_PREFIX), not the demo's own: a
    // `npm run demo` on the same broker would never see these orders.
    const { rows } = await pool.query<{ topic: string }>(`SELECT DISTINCT topic FROM outbox_events`);
    expect(rows.map((r) => r.topic)).toEqual([TEST_ORDERS_TOPIC]);
    const admin = createKafka({ brokers: kafka!.brokers, clientId: `${PREFIX}-topics` }).admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toContain(TEST_ORDERS_TOPIC);
      expect(topics).not.toContain('orders.lifecycle.v1');
    } finally {
      await admin.disconnect();
    }
  }, 200_000);

  it('slow payments, stalled projection and permanent failures: WARN then CRIT; payments stopped: CRIT; knobs cleared: OK', async () => {
    const from = await mark();
    const faultsFrom = (await pool.query<{ now: Date }>(`SELECT now()`)).rows[0]!.now;
    const projection = await projectionLagId();
    await knobs({ slowConsumer: 'payments', slowMs: 2000, stalledConsumer: 'order-summary', permanentFailureShare: 0.3 });
    await Promise.all([
      reaches('consumer.status:payments', 'WARN', from),
      reaches('consumer.lag:payments', 'WARN', from),
      reaches(projection, 'WARN', from),
      reaches('dlq.inflow:shipping', 'WARN', from),
      reaches('dlq.open:shipping', 'WARN', from),
    ]);
    await Promise.all([
      reaches('consumer.lag:payments', 'CRIT', from),
      reaches(projection, 'CRIT', from),
      reaches('consumer.status:order-summary', 'CRIT', from), // STALL
      reaches('dlq.inflow:shipping', 'CRIT', from),
      reaches('dlq.open:shipping', 'CRIT', from),
    ]);
    await knobs({ slowConsumer: null, stoppedConsumer: 'payments', permanentFailureShare: 0 });
    await reaches('consumer.status:payments', 'CRIT', from); // STOP

    const cleared = await mark();
    await knobs({ stoppedConsumer: null, stalledConsumer: null });
    // Open dead letters stay open until someone acts: discard them (the counts follow by trigger).
    await pool.query(`UPDATE dlq_messages SET status = 'discarded', status_changed_at = now() WHERE status = 'open'`);
    await Promise.all(
      ['consumer.status:payments', 'consumer.lag:payments', projection, 'consumer.status:order-summary', 'dlq.open:shipping', 'dlq.inflow:shipping'].map((id) => reaches(id, 'OK', cleared, 180_000)),
    );

    // Each check had an incident of this fault period that reached CRIT, and it is closed,
    // with a duration. Not necessarily the check's last incident: a consumer catching up
    // after its stop can flap into a short WARN incident again (seen under load: the last
    // incident of consumer.status:payments was such a WARN).
    for (const id of ['consumer.status:payments', 'consumer.lag:payments', projection, 'dlq.inflow:shipping', 'dlq.open:shipping']) {
      const { rows } = await pool.query<{ worst_state: string; started_at: Date; ended_at: Date | null }>(
        `SELECT worst_state, started_at, ended_at FROM incidents WHERE check_id = $1 AND started_at >= $2 ORDER BY started_at`, [id, faultsFrom]);
      const seen = rows.map((r) => `${r.worst_state} ${r.started_at.toISOString()}–${r.ended_at?.toISOString() ?? 'open'}`).join(', ');
      const crit = rows.filter((r) => r.worst_state === 'CRIT');
      expect(crit.length, `${id}: incidents since the knobs were set: ${seen}`).toBeGreaterThan(0);
      for (const r of crit) {
        expect(r.ended_at, `${id}: ${seen}`).not.toBeNull();
        expect(r.ended_at!.getTime(), `${id}: ${seen}`).toBeGreaterThan(r.started_at.getTime());
      }
    }
  }, 600_000);

  it('relay stopped: relay.alive, outbox backlog and age WARN then CRIT; restarted: OK', async () => {
    const from = await mark();
    await workers.stop('relay');
    await Promise.all(['relay.alive:system', 'outbox.backlog:system', 'outbox.age:system'].map((id) => reaches(id, 'WARN', from, 90_000)));
    await Promise.all(['relay.alive:system', 'outbox.backlog:system', 'outbox.age:system'].map((id) => reaches(id, 'CRIT', from, 90_000)));
    const back = await mark();
    workers.start('relay', 'workers/outbox-relay/index.ts');
    await Promise.all(['relay.alive:system', 'outbox.backlog:system', 'outbox.age:system'].map((id) => reaches(id, 'OK', back, 90_000)));
    const { rows } = await pool.query(`SELECT check_id, worst_state FROM incidents WHERE check_id IN ('relay.alive:system', 'outbox.backlog:system', 'outbox.age:system') AND ended_at IS NOT NULL AND started_at >= (SELECT at FROM check_transitions WHERE id = $1::bigint + 1)`, [from]);
    expect(new Set(rows.filter((r) => r.worst_state === 'CRIT').map((r) => r.check_id))).toEqual(new Set(['relay.alive:system', 'outbox.backlog:system', 'outbox.age:system']));
  }, 300_000);

  it('sampler stopped: sampler.fresh WARN then CRIT and Kafka unknown (WARN); a sampler with a dead broker: Kafka CRIT; fixed: OK', async () => {
    const from = await mark();
    await workers.stop('sampler');
    await reaches('sampler.fresh:system', 'WARN', from, 90_000);
    await reaches('kafka.reachable:system', 'WARN', from, 90_000);
    await reaches('sampler.fresh:system', 'CRIT', from, 90_000);
    workers.start('sampler', 'workers/lag-sampler/index.ts', { ...SAMPLER_ENV, KAFKA_BROKERS: '127.0.0.1:1' });
    await reaches('kafka.reachable:system', 'CRIT', from, 120_000);
    const back = await mark();
    await workers.stop('sampler');
    workers.start('sampler', 'workers/lag-sampler/index.ts', SAMPLER_ENV);
    await Promise.all(['sampler.fresh:system', 'kafka.reachable:system'].map((id) => reaches(id, 'OK', back, 120_000)));
  }, 400_000);

  it('every transition was POSTed, signed, with its runbook link, and recorded as delivered', async () => {
    const transitions = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM check_transitions`)).rows[0]!.n;
    await waitFor('every delivery sent', async () => (await pool.query(`SELECT 1 FROM webhook_deliveries WHERE status = 'pending'`)).rowCount === 0, 60_000, 500);
    const d = await pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`);
    expect(d.rows).toEqual([{ status: 'delivered', n: transitions }]);
    expect(received.length).toBeGreaterThanOrEqual(transitions);
    expect(received.every((r) => r.verified)).toBe(true);
    for (const [id, to] of [['consumer.status:payments', 'CRIT'], ['dlq.inflow:shipping', 'CRIT'], ['relay.alive:system', 'CRIT'], ['kafka.reachable:system', 'CRIT'], ['consumer.lag:payments', 'OK']] as const) {
      const hit = received.find((r) => r.body.check.id === id && r.body.to === to);
      expect(hit, `${id} → ${to}`).toBeDefined();
      expect(hit!.body.runbook?.url).toMatch(/\/runbooks\/[a-z-]+\?check=/);
    }
  });
});
