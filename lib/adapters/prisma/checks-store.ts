// Writes one evaluation in one transaction: current states, transitions, incidents and
// (when notifications are on) one queued webhook delivery per transition, so a checker
// that dies mid-way leaves either all of it or none. Plus retention and the delivery queue.
import type pg from 'pg';
import type { CheckResult } from '../../domain/checks/check-types';
import { nextStates, type StoredCheck, type Transition } from '../../domain/checks/transitions';

export interface ApplyOptions {
  now: Date;
  /** False when the evaluation was partial (PostgreSQL was down): nothing is removed. */
  complete: boolean;
  /** The notification body of a transition; null = notifications off. */
  payloadOf: ((t: Transition & { id: string; since: Date }) => unknown) | null;
}

async function incident(tx: pg.PoolClient, t: Transition): Promise<void> {
  if (t.incident === 'open') {
    // ON CONFLICT: an open incident left by a crash between two evaluations is continued.
    await tx.query(
      `INSERT INTO incidents (id, check_id, kind, subject, started_at, worst_state, first_evidence, last_evidence)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (check_id) WHERE ended_at IS NULL DO UPDATE SET worst_state = CASE WHEN EXCLUDED.worst_state = 'CRIT' THEN 'CRIT' ELSE incidents.worst_state END, last_evidence = EXCLUDED.last_evidence`,
      [t.checkId, t.kind, t.subject, t.at, t.to, t.evidence],
    );
  } else if (t.incident === 'close') {
    await tx.query(`UPDATE incidents SET ended_at = $2, last_evidence = $3 WHERE check_id = $1 AND ended_at IS NULL`, [t.checkId, t.at, t.evidence]);
  } else {
    // Escalation, or better but still not OK: the incident goes on; its worst state only rises.
    await tx.query(
      `UPDATE incidents SET worst_state = CASE WHEN $2 = 'CRIT' THEN 'CRIT' ELSE worst_state END, last_evidence = $3 WHERE check_id = $1 AND ended_at IS NULL`,
      [t.checkId, t.to, t.evidence],
    );
  }
}

/** Applies `results`; returns the transitions written (with their ids). */
export async function applyEvaluation(pool: pg.Pool, results: readonly CheckResult[], o: ApplyOptions): Promise<(Transition & { id: string })[]> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const prev = await tx.query<{ check_id: string; state: StoredCheck['state']; since: Date }>(`SELECT check_id, state, since FROM check_states FOR UPDATE`);
    const next = nextStates(prev.rows.map((r) => ({ id: r.check_id, state: r.state, since: r.since })), results, o.now, o.complete);
    await tx.query(
      `INSERT INTO check_states (check_id, kind, subject, state, since, evidence, facts, evaluated_at)
       SELECT s.id, s.kind, s.subject, s.state, s.since, s.evidence, s.facts, $2
       FROM jsonb_to_recordset($1::jsonb) AS s(id text, kind text, subject text, state text, since timestamptz, evidence text, facts jsonb)
       ON CONFLICT (check_id) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, evidence = EXCLUDED.evidence, facts = EXCLUDED.facts, evaluated_at = EXCLUDED.evaluated_at`,
      [JSON.stringify(next.states), o.now],
    );
    if (next.removed.length > 0) await tx.query(`DELETE FROM check_states WHERE check_id = ANY($1::text[])`, [next.removed]);
    const written: (Transition & { id: string })[] = [];
    for (const t of next.transitions) {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO check_transitions (check_id, kind, subject, from_state, to_state, at, evidence, facts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text`,
        [t.checkId, t.kind, t.subject, t.from, t.to, t.at, t.evidence, JSON.stringify(t.facts)],
      );
      const id = rows[0]!.id;
      await incident(tx, t);
      if (o.payloadOf) {
        await tx.query(`INSERT INTO webhook_deliveries (transition_id, payload, next_attempt_at) VALUES ($1, $2, $3)`, [id, JSON.stringify(o.payloadOf({ ...t, id, since: t.at })), o.now]);
      }
      written.push({ ...t, id });
    }
    await tx.query('COMMIT');
    return written;
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    tx.release();
  }
}

/** Transitions, closed incidents and deliveries older than `before` are deleted. */
export async function pruneCheckHistory(pool: pg.Pool, before: Date): Promise<void> {
  await pool.query(`DELETE FROM check_transitions WHERE at < $1`, [before]);
  await pool.query(`DELETE FROM incidents WHERE ended_at IS NOT NULL AND ended_at < $1`, [before]);
  await pool.query(`DELETE FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending'`, [before]);
}

export interface DueDelivery {
  id: string;
  payload: unknown;
  attempts: number;
}

/** Pending deliveries whose time has come, oldest first. */
export async function dueDeliveries(pool: pg.Pool, now: Date, limit = 20): Promise<DueDelivery[]> {
  const { rows } = await pool.query<{ id: string; payload: unknown; attempts: number }>(
    `SELECT id::text, payload, attempts FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2`,
    [now, limit],
  );
  return rows;
}

/** Records one attempt: delivered, or failed with the next attempt time (null = given up). */
export async function recordAttempt(pool: pg.Pool, id: string, r: { ok: boolean; status: number | null; error: string | null; nextAttemptAt: Date | null; now: Date }): Promise<void> {
  const status = r.ok ? 'delivered' : r.nextAttemptAt ? 'pending' : 'failed';
  await pool.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $2, last_status = $3, last_error = $4,
       next_attempt_at = COALESCE($5, next_attempt_at), delivered_at = CASE WHEN $2 = 'delivered' THEN $6 ELSE delivered_at END
     WHERE id = $1::bigint`,
    [id, status, r.status, r.error, r.nextAttemptAt, r.now],
  );
}
