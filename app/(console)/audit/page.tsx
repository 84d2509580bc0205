import { requirePageUser } from '@/lib/auth/require-page-user';
import Link from 'next/link';
import { getConsoleContext } from '@/lib/console/context';
import { auditFilterSchema, listAuditEntries } from '@/lib/read/list-audit-entries';
import { EmptyState } from '../../components/empty-state';
import { RelativeTime } from '../../components/relative-time';

const outcomeBadge = { ok: 'ok', denied: 'bad', failed: 'warn' } as const;
const outcomeIcon = { ok: '✓', denied: '⛔', failed: '⚠' } as const;

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  await requirePageUser();
  const raw = Object.fromEntries(Object.entries(await searchParams).filter(([, v]) => typeof v === 'string' && v !== ''));
  const parsed = auditFilterSchema.safeParse(raw);
  const filter = parsed.success ? parsed.data : auditFilterSchema.parse({});
  const ctx = getConsoleContext();
  const rows = await listAuditEntries(ctx.db, filter);
  const now = ctx.now();
  const last = rows.at(-1);

  return (
    <>
      <h1>Audit</h1>
      <form className="row panel" method="get" aria-label="Filter audit entries">
        <label htmlFor="action" style={{ margin: 0 }}>Action</label>
        <input id="action" name="action" defaultValue={filter.action ?? ''} placeholder="dlq.replay" />
        <label htmlFor="actor" style={{ margin: 0 }}>Actor</label>
        <input id="actor" name="actor" defaultValue={filter.actor ?? ''} placeholder="e-mail" />
        <label htmlFor="outcome" style={{ margin: 0 }}>Outcome</label>
        <select id="outcome" name="outcome" defaultValue={filter.outcome ?? ''}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="denied">denied</option>
          <option value="failed">failed</option>
        </select>
        <button type="submit">Filter</button>
        <Link href="/audit">Clear</Link>
      </form>
      {!parsed.success ? <div className="error-box" role="alert">Some filters in the URL were invalid and were ignored.</div> : null}
      {rows.length === 0 ? (
        <EmptyState title="No audit entries match">
          Every destructive action (replays, discards, rebuilds, knob changes) and every denied attempt is recorded here with
          who, what and when. Clear the filters to see everything.
        </EmptyState>
      ) : (
        <table className="dense">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Role</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const outcome = (r.outcome in outcomeBadge ? r.outcome : 'failed') as keyof typeof outcomeBadge;
              return (
                <tr key={r.id}>
                  <td><RelativeTime at={r.at} now={now} /></td>
                  <td>{r.actorEmail}</td>
                  <td>{r.actorRole}</td>
                  <td className="mono">{r.action}</td>
                  <td className="mono">{r.target ?? '—'}</td>
                  <td><span className={`badge ${outcomeBadge[outcome]}`}>{outcomeIcon[outcome]} {r.outcome}</span></td>
                  <td className="mono" style={{ whiteSpace: 'normal', maxWidth: 420 }}>{JSON.stringify(r.details)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {last && rows.length === filter.limit ? (
        <p>
          <Link href={`/audit?${new URLSearchParams({ ...raw, before: last.id }).toString()}`}>Older entries →</Link>
        </p>
      ) : null}
    </>
  );
}
