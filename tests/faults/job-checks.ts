// End-of-run checks of the console's own jobs in a fault run (job-scenarios.ts), by
// plain SQL over the tables, sharing no code with the jobs or the consumers:
//   replay   every dead letter a `dlq.replay` job selected by id was sent by that job
//            exactly once (its `replays` history), and each replayed dead letter ended
//            either resolved with exactly one application (one inbox row, written from
//            the consumer's replay topic, one successful attempt, one effect row where
//            the consumer has an effect table) or failed again (open or parked again,
//            not applied); none left `replaying` (sent, never handled)
//   jobs     every replay and rebuild job of the run succeeded
//   versions the active version in projection_registry is the `active` row of
//            projection_versions, with the same table
import type { Db } from '@/lib/adapters/prisma/client';
import { expectedReplayTopic } from './expected-replay-topic';

export interface ReplayTally {
  jobs: number;
  /** Dead letters named by the jobs' id selections. */
  selected: number;
  /** Rows the jobs sent (selected ones plus events parked behind them). */
  sent: number;
  resolved: number;
  failedAgain: number;
  /** Selected and never sent, or sent and resolved without an application, or left replaying. */
  lost: number;
  /** Applied more than once (inbox, successful attempts or effect rows), or applied while still dead-lettered. */
  doubled: number;
  /** Rows one job sent more than once (a redone batch; harmless when the inbox absorbed it). */
  resent: number;
}

export interface RebuildTally {
  projection: string;
  job: string;
  attempts: number;
  version: number | null;
  activeVersion: number;
  activeTable: string;
}

export interface JobChecks {
  replay: ReplayTally | null;
  rebuilds: RebuildTally[];
  /** Counted failures: replay lost + doubled, jobs that did not succeed, registry inconsistencies, replays applied from the wrong topic. */
  failures: number;
  problems: string[];
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** The active table of each projection, from projection_registry (checked to be a plain identifier). */
export async function activeTables(db: Db): Promise<Map<string, { table: string; version: number }>> {
  const rows = await db.$queryRaw<Array<{ projection: string; table: string; version: number }>>`
    SELECT projection, active_table AS table, version FROM projection_registry`;
  for (const r of rows) if (!IDENT.test(r.table)) throw new Error(`projection_registry names a table that is not a plain identifier: ${r.table}`);
  return new Map(rows.map((r) => [r.projection, { table: r.table, version: r.version }]));
}

interface JobRow {
  id: string;
  kind: string;
  state: string;
  attempts: number;
  projection: string | null;
  result: { version?: number } | null;
  error: string | null;
}

async function jobsOf(db: Db): Promise<JobRow[]> {
  return db.$queryRaw<JobRow[]>`
    SELECT id::text, kind, state::text, attempts, params->>'projection' AS projection, result, error
      FROM background_jobs WHERE kind IN ('dlq.replay', 'projection.rebuild') ORDER BY created_at`;
}

/** Selected ids of id selections: how often their own consumer's job sent each (0: never). */
async function selectionCoverage(db: Db): Promise<{ selected: number; notFound: string[]; neverSent: string[]; resent: number }> {
  const rows = await db.$queryRaw<Array<{ dlq_id: string; found: boolean; sends: number }>>`
    WITH sel AS (
      SELECT j.id::text AS job_id, j.params->>'consumer' AS consumer, s.id AS dlq_id
        FROM background_jobs j, jsonb_array_elements_text(j.params->'selection'->'ids') AS s(id)
       WHERE j.kind = 'dlq.replay' AND j.params->'selection'->>'by' = 'ids'),
    per_id AS (
      SELECT sel.dlq_id,
             bool_or(d.id IS NOT NULL) AS found,
             coalesce(sum((SELECT count(*) FROM jsonb_array_elements(d.replays) r WHERE r->>'jobId' = sel.job_id)), 0)::int AS sends
        FROM sel LEFT JOIN dlq_messages d ON d.id::text = sel.dlq_id AND d.consumer = sel.consumer
       GROUP BY sel.dlq_id)
    SELECT dlq_id, found, sends FROM per_id`;
  return {
    selected: rows.length,
    notFound: rows.filter((r) => !r.found).map((r) => r.dlq_id),
    neverSent: rows.filter((r) => r.found && r.sends === 0).map((r) => r.dlq_id),
    resent: rows.filter((r) => r.sends > 1).length,
  };
}

interface SentRow {
  id: string;
  consumer: string;
  event_id: string | null;
  status: string;
  inbox_topics: string[] | null;
  ok: number;
  effects: number | null;
}

/** Every dead letter some replay sent, with what its consumer did about its event. */
async function sentRows(db: Db, effectTables: Record<string, string>): Promise<SentRow[]> {
  const consumers = Object.keys(effectTables);
  for (const t of Object.values(effectTables)) if (!IDENT.test(t)) throw new Error(`bad effect table ${t}`);
  // Effect rows per event, for consumers that have an effect table (one UNION branch each).
  const effects = consumers.length
    ? consumers.map((c, i) => `SELECT $${i + 1}::text AS consumer, event_id, count(*)::int AS n FROM ${effectTables[c]} GROUP BY event_id`).join(' UNION ALL ')
    : `SELECT NULL::text AS consumer, NULL::uuid AS event_id, 0 AS n WHERE false`;
  return db.$queryRawUnsafe<SentRow[]>(
    `WITH effects AS (${effects})
     SELECT d.id::text, d.consumer, d.event_id::text, d.status::text,
            (SELECT array_agg(i.topic) FROM consumer_inbox i WHERE i.consumer = d.consumer AND i.event_id = d.event_id) AS inbox_topics,
            (SELECT count(*) FROM consumer_attempts a WHERE a.consumer = d.consumer AND a.event_id = d.event_id AND a.outcome = 'ok')::int AS ok,
            (SELECT e.n FROM effects e WHERE e.consumer = d.consumer AND e.event_id = d.event_id) AS effects
       FROM dlq_messages d WHERE jsonb_array_length(d.replays) > 0`,
    ...consumers,
  );
}

/** One sent row: resolved with one application from the replay topic, or failed again and not applied. */
function judgeSent(r: SentRow, hasEffects: boolean): { outcome: 'resolved' | 'failedAgain' | 'lost' | 'doubled' | 'odd'; problem?: string } {
  const topics = r.inbox_topics ?? [];
  const effects = r.effects ?? 0;
  const what = `${r.consumer}: dead letter ${r.id} (event ${r.event_id ?? '?'})`;
  if (r.status === 'replaying') return { outcome: 'lost', problem: `${what} is still replaying: sent, never handled` };
  if (r.status === 'resolved') {
    if (topics.length === 0) return { outcome: 'lost', problem: `${what} is resolved but its event was never applied` };
    if (topics.length > 1 || r.ok > 1 || (hasEffects && effects > 1)) {
      return { outcome: 'doubled', problem: `${what} replayed: ${topics.length} inbox rows, ${r.ok} successful attempts${hasEffects ? `, ${effects} effect rows` : ''}` };
    }
    if (hasEffects && effects === 0) return { outcome: 'lost', problem: `${what} is resolved and in the inbox, but has no effect row` };
    if (r.ok === 0) return { outcome: 'odd', problem: `${what} is resolved and in the inbox, but no successful attempt was recorded` };
    if (topics[0] !== expectedReplayTopic(r.consumer)) return { outcome: 'odd', problem: `${what} is resolved but was applied from ${topics[0]}, not from its replay topic` };
    return { outcome: 'resolved' };
  }
  if (r.status === 'open' || r.status === 'parked') {
    if (topics.length > 0 || effects > 0) return { outcome: 'doubled', problem: `${what} is ${r.status} again but its event was applied (${topics.length} inbox rows, ${effects} effect rows)` };
    return { outcome: 'failedAgain' };
  }
  return { outcome: 'odd', problem: `${what} is ${r.status} after a replay` };
}

async function replayTally(db: Db, jobs: JobRow[], effectTables: Record<string, string>): Promise<{ tally: ReplayTally | null; odd: number; problems: string[] }> {
  const replays = jobs.filter((j) => j.kind === 'dlq.replay');
  if (replays.length === 0) return { tally: null, odd: 0, problems: [] };
  const coverage = await selectionCoverage(db);
  const tally: ReplayTally = { jobs: replays.length, selected: coverage.selected, sent: 0, resolved: 0, failedAgain: 0, lost: coverage.neverSent.length, doubled: 0, resent: coverage.resent };
  const problems = [
    ...coverage.notFound.map((id) => `replay selection names dead letter ${id}, not found for the job's consumer`),
    ...coverage.neverSent.map((id) => `dead letter ${id} was selected for a replay and never sent`),
  ];
  let odd = coverage.notFound.length;
  for (const row of await sentRows(db, effectTables)) {
    tally.sent++;
    const { outcome, problem } = judgeSent(row, row.consumer in effectTables);
    if (outcome === 'odd') odd++;
    else tally[outcome]++;
    if (problem) problems.push(problem);
  }
  return { tally, odd, problems };
}

async function registryProblems(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ projection: string; active_table: string; version: number; state: string | null; table_name: string | null }>>`
    SELECT r.projection, r.active_table, r.version, v.state, v.table_name
      FROM projection_registry r LEFT JOIN projection_versions v ON v.projection = r.projection AND v.version = r.version`;
  return rows
    .filter((r) => r.state !== 'active' || r.table_name !== r.active_table)
    .map((r) => `projection_registry says ${r.projection} v${r.version} (${r.active_table}) is active; projection_versions has it ${r.state ?? 'missing'} (${r.table_name ?? '—'})`);
}

/** Replay and rebuild jobs of the run, judged after the system drained and its workers stopped. */
export async function judgeJobs(db: Db, effectTables: Record<string, string>): Promise<JobChecks> {
  const jobs = await jobsOf(db);
  const notSucceeded = jobs.filter((j) => j.state !== 'succeeded');
  const replay = await replayTally(db, jobs, effectTables);
  const registry = await registryProblems(db);
  const active = await activeTables(db);
  const rebuilds = jobs
    .filter((j) => j.kind === 'projection.rebuild')
    .map((j) => ({
      projection: j.projection ?? '?', job: j.id, attempts: j.attempts, version: j.result?.version ?? null,
      activeVersion: active.get(j.projection ?? '')?.version ?? 0, activeTable: active.get(j.projection ?? '')?.table ?? '?',
    }));
  const problems = [
    ...notSucceeded.map((j) => `${j.kind} job ${j.id} ended ${j.state}${j.error ? `: ${j.error.slice(0, 200)}` : ''}`),
    ...registry,
    ...replay.problems,
  ];
  const failures = notSucceeded.length + registry.length + replay.odd + (replay.tally ? replay.tally.lost + replay.tally.doubled : 0);
  return { replay: replay.tally, rebuilds, failures, problems };
}
