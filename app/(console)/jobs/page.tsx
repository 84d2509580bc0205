import Link from 'next/link';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { jobStates } from '@/lib/jobs/job-state';
import { jobFilterSchema, listJobs } from '@/lib/read/list-jobs';
import { withParams } from '@/lib/domain/format/url-params';
import { JobsList } from './jobs-list';

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const FILTER_KEYS = ['kind', 'state', 'scope', 'after'] as const;

export default async function JobsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageUser();
  const raw = await searchParams;
  const filter: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = raw[key];
    if (typeof value === 'string' && value !== '') filter[key] = value;
  }
  const valid = jobFilterSchema.safeParse(filter).success;
  const ctx = getConsoleContext();
  const kinds = consoleJobDeps(ctx).kinds.names();
  const initial = valid ? await listJobs(ctx.db, filter) : { jobs: [], next: null };
  const query = withParams('', filter);

  return (
    <>
      <h1>Jobs</h1>
      <p className="muted">
        Long operations (replays, drift checks, repairs, rebuilds) run as background jobs: one active job per scope, progress with rate and
        ETA, pause, resume and cancel. Newest first.
      </p>
      <form className="row panel" method="get" aria-label="Filter jobs">
        <label htmlFor="kind" style={{ margin: 0 }}>Kind</label>
        <select id="kind" name="kind" defaultValue={filter.kind ?? ''}>
          <option value="">any</option>
          {kinds.map((k) => (
            <option key={k} value={k}>{k}</option>
          ))}
        </select>
        <label htmlFor="state" style={{ margin: 0 }}>State</label>
        <select id="state" name="state" defaultValue={filter.state ?? ''}>
          <option value="">any</option>
          <option value="queued,running,paused,cancelling">active</option>
          {jobStates.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="scope" style={{ margin: 0 }}>Scope</label>
        <input id="scope" name="scope" defaultValue={filter.scope ?? ''} placeholder="replay:consumer:payments" className="mono" />
        <button type="submit">Filter</button>
        <Link href="/jobs">Clear</Link>
      </form>
      {valid ? (
        <JobsList key={query} initial={initial} query={query} filtered={Boolean(filter.kind || filter.state || filter.scope)} />
      ) : (
        <div className="error-box" role="alert">
          The filters in this link are not valid (state must be one of {jobStates.join(', ')}; the page cursor must come from a &ldquo;Next
          page&rdquo; link). <Link href="/jobs">Show all jobs</Link>.
        </div>
      )}
    </>
  );
}
