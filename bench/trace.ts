// Trace lookups at scale: BENCH_TRACE_EVENTS events (default 200,000; the issue asks for
// 10M, which takes hours to seed on a 2-core machine) in flows of 4, with attempts,
// inbox rows, dead letters, lag samples and jobs (tests/support/trace-seed.ts), then
// BENCH_TRACE_RUNS (default 300) lookups of random flows by a random kind of id.
// query_* times the header search's statement (findFlows) alone; api_* the whole read
// behind GET /api/traces/:traceId (getTraceView + JSON serialisation), in process:
// HTTP, session and role checks are not included.
import { performance } from 'node:perf_hooks';
import { createDb } from '../lib/adapters/prisma/client';
import { findFlows } from '../lib/read/find-flows';
import { getTraceView } from '../lib/read/get-trace-timeline';
import { createTestDatabase } from '../tests/support/database';
import { seedTraceData } from '../tests/support/trace-seed';
import { percentile, round } from './support';

const EVENTS = Number(process.env.BENCH_TRACE_EVENTS ?? 200_000);
const RUNS = Number(process.env.BENCH_TRACE_RUNS ?? 300);

const database = await createTestDatabase('bench_trace');
const db = createDb(database.url, { poolSize: 4 });
try {
  const t0 = performance.now();
  await seedTraceData(db, EVENTS);
  console.log(`seeded ${EVENTS} events in ${round((performance.now() - t0) / 1000)} s`);
  const kinds = ['trace_id', 'subject', 'event_id', 'correlation_id', 'traceparent'] as const;
  const query: number[] = [];
  const api: number[] = [];
  for (let i = 0; i < RUNS + 10; i++) {
    const position = 1 + Math.floor(Math.random() * (EVENTS - 8));
    const [row] = await db.$queryRawUnsafe<[Record<string, string>]>(
      `SELECT trace_id, subject, event_id::text, correlation_id::text FROM outbox_events WHERE position = $1`,
      position,
    );
    const kind = kinds[i % kinds.length]!;
    const q = kind === 'traceparent' ? `00-${row.trace_id}-00f067aa0ba902b7-01` : row[kind]!;
    const a = performance.now();
    const found = await findFlows(db, q);
    const b = performance.now();
    const view = await getTraceView(db, { groupPrefix: 'signalbox' }, found.flows[0]!.traceId);
    JSON.stringify(view);
    const c = performance.now();
    if (i < 10) continue; // warm-up
    query.push(b - a);
    api.push(c - b);
  }
  query.sort((x, y) => x - y);
  api.sort((x, y) => x - y);
  const result = {
    bench: 'trace',
    events: EVENTS,
    query_p50_ms: round(percentile(query, 50), 2),
    query_p99_ms: round(percentile(query, 99), 2),
    api_p95_ms: round(percentile(api, 95), 2),
  };
  console.log(`search (findFlows) p50 ${result.query_p50_ms} ms, p99 ${result.query_p99_ms} ms; timeline read p95 ${result.api_p95_ms} ms over ${RUNS} lookups`);
  console.log(JSON.stringify(result));
} finally {
  await db.$disconnect();
  await database.drop();
}
