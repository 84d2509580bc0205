import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { consoleJobDeps } from '@/lib/console/job-deps';
import { hasRole, mayPerform } from '@/lib/domain/roles';
import { isAppError } from '@/lib/errors';
import { getJob } from '@/lib/read/get-job';
import { listAuditEntries } from '@/lib/read/list-audit-entries';
import { EmptyState } from '../../../components/empty-state';
import { RelativeTime } from '../../../components/relative-time';
import { StatusBadge } from '../../../components/status-badge';
import { JobDetail } from './job-detail';

const AUDIT_ROWS = 50;

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const ctx = getConsoleContext();
  const job = await getJob(ctx.db, id).catch((error: unknown) => {
    if (isAppError(error) && error.code === 'not_found') notFound();
    throw error;
  });
  // The job's kind may need more than the route's role (admin for a kind this console does not know).
  const kindRole = consoleJobDeps(ctx).kinds.get(job.kind)?.requiredRole ?? 'admin';
  const canControl = hasRole(user.role, kindRole) && mayPerform(user.role, 'job.pause');
  const audit = mayPerform(user.role, 'audit.read') ? await listAuditEntries(ctx.db, { target: job.id, limit: AUDIT_ROWS }) : [];
  const now = ctx.now();

  return (
    <>
      <p>
        <Link href="/jobs">← Jobs</Link>
      </p>
      <h1>
        Job <span className="mono">{job.kind}</span> on <span className="mono">{job.scope}</span>
      </h1>
      <JobDetail initial={job} canControl={canControl} requiredRole={kindRole} now={now.toISOString()} />

      <h2 id="audit-h">Audit records</h2>
      {audit.length === 0 ? (
        <EmptyState title="No audit records for this job">Starting, pausing, resuming and cancelling a job are recorded here with who and when.</EmptyState>
      ) : (
        <table className="dense" aria-labelledby="audit-h" data-testid="job-audit">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {audit.map((r) => (
              <tr key={r.id}>
                <td><RelativeTime at={r.at} now={now} /></td>
                <td>{r.actorEmail} <span className="muted">({r.actorRole})</span></td>
                <td className="mono">{r.action}</td>
                <td>
                  <StatusBadge status={r.outcome === 'ok' ? 'OK' : r.outcome === 'denied' ? 'ERR' : 'WARN'}>{r.outcome}</StatusBadge>
                </td>
                <td className="mono" style={{ whiteSpace: 'normal' }}>{describeChange(r.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <Link href={`/audit?target=${encodeURIComponent(job.id)}`}>Open these records in Audit →</Link>
      </p>
    </>
  );
}

function describeChange(details: unknown): string {
  if (details && typeof details === 'object' && 'from' in details && 'to' in details) {
    const d = details as { from: unknown; to: unknown };
    return `${String(d.from)} → ${String(d.to)}`;
  }
  return JSON.stringify(details);
}
