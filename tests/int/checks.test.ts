// The checker on real PostgreSQL: seeded sampler rows and heartbeats drive checks to WARN
// and CRIT and back to OK; states keep their since, transitions and incidents are stored
// (opened, escalated, closed with a duration); every transition is POSTed, signed, to a
// local HTTP server, which fails the first attempt so a retry with backoff is recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { beat, insertLagSamples, type LagSampleRow } from '@/lib/adapters/prisma/samples-store';
import { loadRunbooks } from '@/lib/adapters/runbooks/runbook-files';
import { startCheckLoop, CHECKER_KIND, type CheckLoop } from '@/lib/app/check-loop';
import { runbookIndex } from '@/lib/domain/checks/runbook';
import { DEFAULT_THRESHOLDS } from '@/lib/domain/checks/thresholds';
import { SIGNATURE_HEADER, verifySignature } from '@/lib/domain/checks/webhook-signature';
import { createDb } from '@/lib/adapters/prisma/client';
import { listChecks } from '@/lib/read/list-checks';
import { getStatus } from '@/lib/read/get-status';
import { createTestDatabase, type TestDatabase } from '../support/database';

const SECRET = 'test-secret-'.padEnd(40, 'x');
let database: TestDatabase;
let pool: pg.Pool;
let server: http.Server;
let url: string;
let loop: CheckLoop;
const received: { body: string; signature: string | null; verified: boolean }[] = [];
let failNext = 1;
// The checker's clock: moved forward by the test so retries come due without waiting.
let clock = new Date(Date.now() - (Date.now() % 1000));
const at = (s = 0) => new Date(clock.getTime() - s * 1000);

function sample(over: Partial<LagSampleRow>): LagSampleRow {
  return {
    at: at(), groupId: 'sbt.shipping', state: 'Stable', members: 1, status: 'OK', evidence: 'OK: caught up (lag 0, 1 members)', lag: 0, replayLag: 0,
    noCommitPartitions: 0, dataLossPartitions: 0, secondsBehind: 0, secondsSource: 'caught-up', consumeRate: 1, produceRate: 1, etaSeconds: 0,
    partitions: [['orders.v1', 0, 0, 100, 100, 'm-1', 0]], ...over,
  };
}

/** Fresh sampler and relay beats and one sampler tick at the test clock. */
async function tick(over: Partial<LagSampleRow>, relayAgeSeconds = 1): Promise<void> {
  clock = new Date(clock.getTime() + 10_000);
  await beat(pool, 'lag-sampler', 'h:1', { role: 'active', intervalMs: 10_000, kafkaError: null });
  await pool.query(`UPDATE process_heartbeats SET last_beat_at = $1 WHERE kind = 'lag-sampler'`, [at(1)]);
  await beat(pool, 'outbox-relay', 'h:2', { intervalMs: 5_000 });
  await pool.query(`UPDATE process_heartbeats SET last_beat_at = $1 WHERE kind = 'outbox-relay'`, [at(relayAgeSeconds)]);
  await insertLagSamples(pool, [sample(over)]);
  await pool.query(`INSERT INTO outbox_samples (at, backlog, oldest_unpublished_at, published, relay_rate) VALUES ($1, 0, NULL, 10, 1)`, [at()]);
  await loop.tickNow();
}

const state = async (id: string) => (await pool.query(`SELECT state, since, evidence, facts FROM check_states WHERE check_id = $1`, [id])).rows[0];

beforeAll(async () => {
  database = await createTestDatabase('checks');
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const signature = (req.headers[SIGNATURE_HEADER] as string | undefined) ?? null;
      received.push({ body, signature, verified: verifySignature(SECRET, body, signature, Math.floor(Date.now() / 1000)) });
      res.statusCode = failNext-- > 0 ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  loop = startCheckLoop({
    pool,
    instance: 'test:1',
    intervalMs: 60_000, // ticks are driven by the test (nextTick after each seed)
    thresholds: DEFAULT_THRESHOLDS,
    groupPrefix: 'sbt',
    dlqWindowSeconds: 300,
    retentionMs: 30 * 86_400_000,
    runbooks: runbookIndex(await loadRunbooks()),
    consoleUrl: 'http://console.test',
    webhook: { url, secret: SECRET, maxAttempts: 5, timeoutMs: 2_000 },
    now: () => clock,
    logger: { info: () => {}, warn: (l) => console.warn(l) },
  });
  await loop.tickNow(); // after the tick at start (no samples yet)
});

afterAll(async () => {
  await loop?.stop();
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
  await database?.drop();
});

describe('checker', () => {
  it('is the one active checker and beats its heartbeat', async () => {
    expect(loop.isActive()).toBe(true);
    const { rows } = await pool.query(`SELECT details FROM process_heartbeats WHERE kind = $1`, [CHECKER_KIND]);
    expect(rows[0].details.role).toBe('active');
  });

  it('OK → WARN → CRIT → OK: states with since, transitions, one incident with its worst state and duration', async () => {
    await tick({});
    expect((await state('consumer.status:shipping')).state).toBe('OK');
    expect((await state('consumer.lag:shipping')).state).toBe('OK');
    expect((await state('relay.alive:system')).state).toBe('OK');
    const okSince = (await state('consumer.status:shipping')).since;

    await tick({ status: 'WARN', evidence: 'WARN: lag grew from 100 to 400 over 5 min', lag: 400, secondsBehind: 90, secondsSource: 'outbox' });
    const warn = await state('consumer.status:shipping');
    expect(warn.state).toBe('WARN');
    expect(warn.evidence).toContain('sbt.shipping: WARN: lag grew from 100 to 400');
    expect(warn.facts).toMatchObject({ group: 'sbt.shipping', consumer: 'shipping' });
    expect((await state('consumer.lag:shipping')).state).toBe('WARN');
    const warnSince = warn.since.getTime();
    expect(warnSince).toBeGreaterThan(okSince.getTime());

    await tick({ status: 'STOP', evidence: 'STOP: no commit for 5 min while lag is 900 and the group has no members', members: 0, state: 'Empty', lag: 900, secondsBehind: 400, secondsSource: 'outbox' });
    expect((await state('consumer.status:shipping')).state).toBe('CRIT');
    expect((await state('consumer.lag:shipping')).state).toBe('CRIT');
    // Still CRIT one tick later: since stays.
    const critSince = (await state('consumer.status:shipping')).since.getTime();
    await tick({ status: 'STOP', evidence: 'STOP: no commit for 6 min', members: 0, lag: 950, secondsBehind: 410, secondsSource: 'outbox' });
    expect((await state('consumer.status:shipping')).since.getTime()).toBe(critSince);

    const open = await pool.query(`SELECT worst_state, ended_at FROM incidents WHERE check_id = 'consumer.status:shipping'`);
    expect(open.rows).toEqual([{ worst_state: 'CRIT', ended_at: null }]);

    await tick({});
    expect((await state('consumer.status:shipping')).state).toBe('OK');
    const transitions = await pool.query(`SELECT from_state, to_state FROM check_transitions WHERE check_id = 'consumer.status:shipping' ORDER BY id`);
    expect(transitions.rows).toEqual([
      { from_state: 'OK', to_state: 'WARN' },
      { from_state: 'WARN', to_state: 'CRIT' },
      { from_state: 'CRIT', to_state: 'OK' },
    ]);
    const closed = await pool.query(`SELECT worst_state, started_at, ended_at, first_evidence FROM incidents WHERE check_id = 'consumer.status:shipping'`);
    expect(closed.rows).toHaveLength(1);
    expect(closed.rows[0].worst_state).toBe('CRIT');
    expect(closed.rows[0].started_at.getTime()).toBe(warnSince);
    expect(closed.rows[0].ended_at.getTime() - closed.rows[0].started_at.getTime()).toBe(30_000);
    expect(closed.rows[0].first_evidence).toContain('WARN: lag grew');
  });

  it('a silent relay goes WARN then CRIT and back, as its own incident', async () => {
    const from = new Date(clock.getTime() + 1);
    await tick({}, 45);
    expect((await state('relay.alive:system')).state).toBe('WARN');
    await tick({}, 120);
    const crit = await state('relay.alive:system');
    expect(crit.state).toBe('CRIT');
    expect(crit.evidence).toMatch(/The outbox relay is silent: last heartbeat 2 min ago/);
    await tick({}, 1);
    expect((await state('relay.alive:system')).state).toBe('OK');
    // (The tick at start, before any heartbeat, had its own "never seen" incident.)
    const inc = await pool.query(`SELECT worst_state, ended_at FROM incidents WHERE check_id = 'relay.alive:system' AND started_at >= $1`, [from]);
    expect(inc.rows).toHaveLength(1);
    expect(inc.rows[0].worst_state).toBe('CRIT');
    expect(inc.rows[0].ended_at).not.toBeNull();
  });

  it('dead letters drive DLQ inflow and open counts per consumer', async () => {
    // 30 open dead letters in the last 5 minutes = 6/min: inflow WARN (5/min), open below 100.
    await pool.query(
      `INSERT INTO dlq_messages (id, consumer, topic, partition, "offset", payload, payload_size, error_class, error_code, error_message, fingerprint, attempt_count, first_failed_at, last_failed_at, trace_id)
       SELECT gen_random_uuid(), 'shipping', 'orders.v1', 0, g, '\x7b7d'::bytea, 2, 'TypeError', 'permanent', 'amount is not a number', 'fp', 1, $1, $1, lpad(g::text, 32, '0')
       FROM generate_series(1, 30) g`,
      [at(-10)],
    );
    await tick({});
    const inflow = await state('dlq.inflow:shipping');
    expect(inflow.state).toBe('WARN');
    expect(inflow.evidence).toContain('30 dead letters in the last 5 min');
    expect(inflow.facts.causeKey).toEqual(expect.any(String));
    expect((await state('dlq.open:shipping')).state).toBe('OK');
  });

  it('drift reports and rebuild jobs drive the projection checks: drift WARN then CRIT, a failed rebuild WARN; clean and rebuilt: OK', async () => {
    const { rows: [reg] } = await pool.query<{ version: number }>(`SELECT version FROM projection_registry WHERE projection = 'order-summary'`);
    const report = (status: string, pct: number) =>
      pool.query(
        `INSERT INTO drift_reports (id, projection, version, table_name, status, started_at, finished_at, drift_pct, different, missing, extra)
         VALUES (gen_random_uuid(), 'order-summary', $1, 'order_summary', $2, $3, $3, $4, $5, 0, 0)`,
        [reg!.version, status, at(-1), pct, Math.round(pct * 10)],
      );
    const job = (state: string, error: string | null) =>
      pool.query(
        `INSERT INTO background_jobs (id, kind, scope, params, state, error, finished_at) VALUES (gen_random_uuid(), 'projection.rebuild', 'projection:order-summary', '{"projection":"order-summary"}', $1::"JobState", $2, $3)`,
        [state, error, at(-1)],
      );
    const from = new Date(clock.getTime() + 1);
    await report('drift', 0.5);
    await job('failed', 'target table already exists');
    await tick({});
    expect((await state('projection.drift:order-summary')).state).toBe('WARN');
    expect((await state('projection.drift:order-summary')).evidence).toContain('0.5% of rows drifted');
    const rebuild = await state('projection.rebuild:order-summary');
    expect(rebuild.state).toBe('WARN');
    expect(rebuild.evidence).toContain('target table already exists');
    expect(rebuild.facts.jobId).toEqual(expect.any(String));
    await report('drift', 4);
    await tick({});
    expect((await state('projection.drift:order-summary')).state).toBe('CRIT');
    await report('clean', 0);
    await job('succeeded', null);
    await tick({});
    expect((await state('projection.drift:order-summary')).state).toBe('OK');
    expect((await state('projection.rebuild:order-summary')).state).toBe('OK');
    const inc = await pool.query(`SELECT check_id, worst_state, ended_at FROM incidents WHERE subject = 'order-summary' AND started_at >= $1 ORDER BY check_id`, [from]);
    expect(inc.rows.map((r) => [r.check_id, r.worst_state, r.ended_at !== null])).toEqual([
      ['projection.drift:order-summary', 'CRIT', true],
      ['projection.rebuild:order-summary', 'WARN', true],
    ]);
  });

  it('sent every transition, signed, with the runbook link; retried the refused first attempt with backoff', async () => {
    // Move past the first retry's backoff (5 s) and let the checker send again.
    clock = new Date(clock.getTime() + 6_000);
    await loop.tickNow();
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.verified)).toBe(true);
    const bodies = received.map((r) => JSON.parse(r.body));
    const toCrit = bodies.find((b) => b.check.id === 'consumer.status:shipping' && b.to === 'CRIT');
    expect(toCrit).toMatchObject({
      type: 'check.transition',
      from: 'WARN',
      runbook: { slug: 'consumer-stalled', url: 'http://console.test/runbooks/consumer-stalled?check=consumer.status%3Ashipping' },
      facts: { group: 'sbt.shipping' },
    });
    expect(toCrit.evidence).toContain('STOP: no commit for 5 min');
    const d = await pool.query(`SELECT status, count(*)::int AS n, max(attempts) AS most FROM webhook_deliveries GROUP BY status`);
    expect(d.rows.find((r) => r.status === 'pending')).toBeUndefined();
    expect(d.rows.find((r) => r.status === 'delivered')?.most).toBe(2); // the refused one, delivered on its retry
    const transitions = (await pool.query(`SELECT count(*)::int AS n FROM check_transitions`)).rows[0].n;
    expect(d.rows.find((r) => r.status === 'delivered')?.n).toBe(transitions);
  });

  it('a standby does not evaluate while the active one holds the lock', async () => {
    const standby = startCheckLoop({
      pool, instance: 'test:2', intervalMs: 60_000, thresholds: DEFAULT_THRESHOLDS, groupPrefix: 'sbt', dlqWindowSeconds: 300,
      retentionMs: 86_400_000, runbooks: new Map(), consoleUrl: 'http://x', webhook: null, now: () => clock, logger: { info: () => {}, warn: () => {} },
    });
    await standby.tickNow();
    expect(standby.isActive()).toBe(false);
    await standby.stop();
  });

  it('reads: checks worst first with runbooks, checker freshness, status entities with bars and the closed incidents', async () => {
    const db = createDb(database.url, { poolSize: 2 });
    try {
      const view = await listChecks(db, clock);
      expect(view.checks.find((c) => c.id === 'consumer.status:shipping')).toMatchObject({ state: 'OK', runbook: { slug: 'consumer-stalled' }, area: 'consumer' });
      expect(view.checks.find((c) => c.id === 'dlq.inflow:shipping')).toMatchObject({ state: 'WARN', runbook: { slug: 'dlq-growing' } });
      // The checker beat with the wall clock, the test clock is minutes ahead: judged by its age.
      expect(view.checks.find((c) => c.kind === 'checker.fresh')).toBeDefined();
      const order = view.checks.map((c) => ({ WARN: 1, CRIT: 2, OK: 0 })[c.state]);
      expect(order).toEqual([...order].sort((a, b) => b - a));
      const status = await getStatus(db, clock);
      const shipping = status.entities.find((e) => e.area === 'consumer' && e.subject === 'shipping')!;
      expect(shipping.state).toBe('WARN'); // dlq inflow
      expect(shipping.day).toHaveLength(24);
      // Everything happened within the last hour: its bucket shows the worst (the STOP), the others OK.
      expect(shipping.day.at(-1)!.state).toBe('CRIT');
      expect(shipping.day.slice(0, -1).every((b) => b.state === 'OK')).toBe(true);
      const inc = status.incidents.find((i) => i.checkId === 'consumer.status:shipping')!;
      expect(inc).toMatchObject({ worstState: 'CRIT', durationSeconds: 30, runbook: { slug: 'consumer-stalled' } });
      expect(inc.endedAt).not.toBeNull();
    } finally {
      await db.$disconnect();
    }
  });
});
