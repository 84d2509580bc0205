// Every runbook with the live state of its checks (worst first), so the list itself says
// which one to open now.
import Link from 'next/link';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { cachedRunbooks } from '@/lib/adapters/runbooks/runbook-files';
import { listChecks } from '@/lib/read/list-checks';
import { severity, worstOf } from '@/lib/domain/checks/check-types';
import { titleOf } from '@/lib/domain/checks/catalog';
import { StatusBadge } from '../../components/status-badge';
import { EmptyState } from '../../components/empty-state';

export default async function RunbooksPage() {
  await requirePageUser();
  const ctx = getConsoleContext();
  const [runbooks, checks] = await Promise.all([cachedRunbooks(), listChecks(ctx.db, ctx.now())]);
  const rows = runbooks
    .map((r) => {
      const mine = checks.checks.filter((c) => r.checks.includes(c.kind));
      return { r, mine, state: worstOf(mine.map((c) => c.state)), bad: mine.filter((c) => c.state !== 'OK') };
    })
    .sort((a, b) => severity(b.state) - severity(a.state) || a.r.title.localeCompare(b.r.title));
  return (
    <>
      <h1>Runbooks</h1>
      <p className="muted">What to do when a check is not OK. Each runbook shows the live state of its checks, then its steps with the actions they name. Files: <span className="mono">runbooks/*.md</span>.</p>
      {checks.evaluatedAt === null ? <EmptyState title="No check results yet">The checker (workers/checks, started by npm run demo) has not run against this database; the states below are unknown until it does.</EmptyState> : null}
      <table className="dense" data-testid="runbooks-list">
        <thead><tr>{['State', 'Runbook', 'Checks', 'Not OK now'].map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
        <tbody>
          {rows.map(({ r, mine, state, bad }) => (
            <tr key={r.slug} data-runbook={r.slug}>
              <td><StatusBadge status={mine.length ? state : 'unknown'} title={bad.map((c) => c.evidence).join('\n') || undefined} /></td>
              <td><Link href={`/runbooks/${r.slug}`}>{r.title}</Link><div className="muted">{r.summary}</div></td>
              <td>{r.checks.map(titleOf).join(', ')}</td>
              <td>
                {bad.length === 0 ? <span className="muted">—</span> : bad.map((c) => (
                  <div key={c.id}><Link href={`/runbooks/${r.slug}?check=${encodeURIComponent(c.id)}`}><StatusBadge status={c.state} /> <span className="mono">{c.subject}</span></Link></div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
