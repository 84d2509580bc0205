// Reads what the checks judge, from the rows the other processes write: the sampler's
// latest tick (lag_samples, outbox_samples), heartbeats, DLQ counts kept by triggers
// (dlq_cause_consumers) and recent dead letters, projections' drift reports and rebuild
// jobs. The consoles' charts read the same rows, so a check and a chart never disagree.
import type pg from 'pg';
import type { CheckInputs, DlqFigures, GroupFigures, ProjectionFigures, SamplerBeat, Heartbeat } from '../../domain/checks/inputs';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The job kind whose failure the rebuild check reports. */
export const REBUILD_JOB_KIND = 'projection.rebuild';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

async function heartbeats(db: Queryable, kind: string): Promise<{ instance: string; last_beat_at: Date; details: Record<string, unknown> | null }[]> {
  const { rows } = await db.query(`SELECT instance, last_beat_at, details FROM process_heartbeats WHERE kind = $1 ORDER BY last_beat_at DESC LIMIT 10`, [kind]);
  return rows;
}

async function samplerBeat(db: Queryable): Promise<SamplerBeat | null> {
  const rows = await heartbeats(db, 'lag-sampler');
  // The active sampler speaks for Kafka; a standby only proves a process is alive.
  const b = rows.find((r) => r.details?.role === 'active') ?? rows[0];
  if (!b) return null;
  const since = str(b.details?.kafkaErrorSince);
  return { instance: b.instance, lastBeatAt: b.last_beat_at, intervalMs: num(b.details?.intervalMs), kafkaError: str(b.details?.kafkaError), kafkaErrorSince: since ? new Date(since) : null };
}

export async function heartbeatOf(db: Queryable, kind: string): Promise<Heartbeat | null> {
  const b = (await heartbeats(db, kind))[0];
  return b ? { instance: b.instance, lastBeatAt: b.last_beat_at, intervalMs: num(b.details?.intervalMs) } : null;
}

async function groups(db: Queryable, prefix: string, projections: Set<string>): Promise<GroupFigures[]> {
  const { rows } = await db.query(
    `SELECT at, group_id, status, evidence, members, lag, seconds_behind, seconds_source
     FROM lag_samples WHERE at = (SELECT max(at) FROM lag_samples) ORDER BY group_id`,
  );
  return rows.map((r) => {
    const consumer = r.group_id.startsWith(`${prefix}.`) ? r.group_id.slice(prefix.length + 1) : r.group_id;
    const source = r.seconds_source as string | null;
    return {
      groupId: r.group_id,
      consumer,
      projection: projections.has(consumer) ? consumer : null,
      at: r.at,
      status: r.status,
      evidence: r.evidence,
      members: r.members,
      lag: r.lag === null ? null : Number(r.lag),
      secondsBehind: r.seconds_behind,
      secondsLabel: source === null || source === 'unknown' ? null : source === 'estimate' ? 'estimate' : source === 'estimate-at-least' ? 'at least' : 'exact',
    };
  });
}

async function dlq(db: Queryable, now: Date, windowSeconds: number, consumers: readonly string[]): Promise<DlqFigures[]> {
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const [open, recent, top, traces] = await Promise.all([
    db.query(`SELECT consumer, sum(open_count)::int AS open FROM dlq_cause_consumers GROUP BY consumer`),
    db.query(`SELECT consumer, count(*)::int AS n FROM dlq_messages WHERE last_failed_at >= $1 GROUP BY consumer`, [since]),
    db.query(
      `SELECT DISTINCT ON (cc.consumer) cc.consumer, cc.cause_key, c.error_class || ': ' || c.message AS message
       FROM dlq_cause_consumers cc JOIN dlq_causes c ON c.cause_key = cc.cause_key
       WHERE cc.open_count > 0 ORDER BY cc.consumer, cc.open_count DESC, cc.last_seen_at DESC`,
    ),
    db.query(
      `SELECT DISTINCT ON (consumer) consumer, trace_id FROM dlq_messages
       WHERE status = 'open' AND trace_id IS NOT NULL AND last_failed_at >= $1 ORDER BY consumer, last_failed_at DESC`,
      [new Date(now.getTime() - 86_400_000)],
    ),
  ]);
  const by = <T>(rows: Array<Record<string, unknown>>, f: (r: Record<string, unknown>) => T) => new Map(rows.map((r) => [r.consumer as string, f(r)]));
  const openBy = by(open.rows, (r) => Number(r.open));
  const recentBy = by(recent.rows, (r) => Number(r.n));
  const topBy = by(top.rows, (r) => ({ key: r.cause_key as string, message: String(r.message).slice(0, 200) }));
  const traceBy = by(traces.rows, (r) => r.trace_id as string);
  const all = [...new Set([...consumers, ...openBy.keys(), ...recentBy.keys()])].sort();
  return all.map((consumer) => ({
    consumer,
    open: openBy.get(consumer) ?? 0,
    recent: recentBy.get(consumer) ?? 0,
    windowSeconds,
    topCause: topBy.get(consumer) ?? null,
    newestTraceId: traceBy.get(consumer) ?? null,
  }));
}

async function projections(db: Queryable): Promise<ProjectionFigures[]> {
  const [registry, drift, rebuilds] = await Promise.all([
    db.query(`SELECT projection, version FROM projection_registry ORDER BY projection`),
    db.query(
      `SELECT DISTINCT ON (projection, version) id::text, projection, version, status, drift_pct, different, missing, extra, finished_at, error
       FROM drift_reports WHERE finished_at IS NOT NULL ORDER BY projection, version, started_at DESC`,
    ),
    db.query(
      `SELECT DISTINCT ON (params->>'projection') params->>'projection' AS projection, id::text, state, error, finished_at
       FROM background_jobs WHERE kind = $1 AND state IN ('succeeded', 'failed') AND finished_at IS NOT NULL
       ORDER BY params->>'projection', finished_at DESC`,
      [REBUILD_JOB_KIND],
    ),
  ]);
  return registry.rows.map((p) => {
    const d = drift.rows.find((r) => r.projection === p.projection && r.version === p.version);
    const rb = rebuilds.rows.find((r) => r.projection === p.projection && r.state === 'failed');
    return {
      name: p.projection,
      version: p.version,
      drift: d
        ? { id: d.id, status: d.status, driftPct: Number(d.drift_pct), different: Number(d.different), missing: Number(d.missing), extra: Number(d.extra), finishedAt: d.finished_at, error: d.error }
        : null,
      failedRebuild: rb ? { jobId: rb.id, error: rb.error, at: rb.finished_at } : null,
    };
  });
}

/** One read of everything; throws when PostgreSQL cannot be queried (the caller records that). */
export async function readCheckInputs(db: Queryable, o: { now: Date; groupPrefix: string; dlqWindowSeconds: number }): Promise<CheckInputs> {
  const projs = await projections(db);
  const names = new Set(projs.map((p) => p.name));
  const gs = await groups(db, o.groupPrefix, names);
  const [sampler, relay, outboxRows, dlqs] = await Promise.all([
    samplerBeat(db),
    heartbeatOf(db, 'outbox-relay'),
    db.query(`SELECT at, backlog, oldest_unpublished_at FROM outbox_samples ORDER BY at DESC LIMIT 1`),
    dlq(db, o.now, o.dlqWindowSeconds, gs.map((g) => g.consumer)),
  ]);
  const ob = outboxRows.rows[0];
  return {
    now: o.now,
    postgres: { ok: true },
    sampler,
    relay,
    groups: gs,
    dlq: dlqs,
    outbox: ob ? { at: ob.at, backlog: Number(ob.backlog), oldestUnpublishedAt: ob.oldest_unpublished_at } : null,
    projections: projs,
  };
}
