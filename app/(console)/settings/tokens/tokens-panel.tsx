'use client';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiTokenListItem } from '@/lib/read/list-api-tokens';
import { apiErrorMessage } from '@/lib/http/api-error';
import { RelativeTime } from '../../../components/relative-time';
import { StatusBadge } from '../../../components/status-badge';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { EmptyState } from '../../../components/empty-state';
import { ErrorState } from '../../../components/error-state';
import { fetchJson } from '../../consumers/live-status';

async function send<T>(url: string, method: 'POST' | 'DELETE', body?: unknown): Promise<T> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as T;
}

export function TokensPanel() {
  const client = useQueryClient();
  const [shown, setShown] = useState<{ name: string; token: string; scope: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenListItem | null>(null);
  const { data, error, refetch } = useQuery({ queryKey: ['tokens'], queryFn: () => fetchJson<{ tokens: ApiTokenListItem[] }>('/api/tokens') });
  const create = useMutation({
    mutationFn: (input: { name: string; scope: string }) => send<{ token: { name: string; token: string; scope: string } }>('/api/tokens', 'POST', input),
    onSuccess: (r) => {
      setShown(r.token);
      void client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => send(`/api/tokens/${id}`, 'DELETE'),
    onSuccess: () => {
      setRevoking(null);
      void client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    if (name) create.mutate({ name, scope: String(form.get('scope') ?? 'read') });
  }

  return (
    <>
      <form className="row" onSubmit={onCreate} aria-label="Create an API token" style={{ alignItems: 'flex-end' }}>
        <div>
          <label htmlFor="token-name">Name (what uses it)</label>
          <input id="token-name" name="name" required maxLength={80} placeholder="grafana" />
        </div>
        <div>
          <label htmlFor="token-scope">Scope (what it opens)</label>
          <select id="token-scope" name="scope" defaultValue="read">
            <option value="read">Read API: /api/consumers, /api/metrics</option>
            <option value="wall">Wall view: /wall only</option>
          </select>
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create read-only token'}</button>
      </form>
      {create.error ? <div className="error-box" role="alert">⚠ {create.error.message}</div> : null}
      {shown ? (
        <div className="panel" role="status" data-testid="new-token">
          <p><strong>Token for {shown.name}</strong> — copy it now: it is not shown again.</p>
          <p><code className="mono" data-testid="new-token-value">{shown.token}</code></p>
          {shown.scope === 'wall' ? (
            <p>
              Open this link once on the wall screen; it trades the token for a cookie that only /wall receives and continues to a clean <code>/wall</code>:{' '}
              <code className="mono" data-testid="new-wall-link">{`${window.location.origin}/wall?token=${shown.token}`}</code>
            </p>
          ) : null}
          <button type="button" onClick={() => setShown(null)}>I have copied it</button>
        </div>
      ) : null}
      {!data ? (
        error ? <ErrorState title="Could not load the tokens" detail={error.message} onRetry={() => void refetch()}>Try again.</ErrorState> : <p className="muted">Loading…</p>
      ) : data.tokens.length === 0 ? (
        <EmptyState title="No API tokens yet">Create one above for a script or a Prometheus scrape.</EmptyState>
      ) : (
        <table className="dense" data-testid="tokens-table">
          <thead>
            <tr>{['Name', 'Token', 'Scope', 'Created', 'Last used', 'State', ''].map((h, i) => <th key={i} scope="col">{h}</th>)}</tr>
          </thead>
          <tbody>
            {data.tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td className="mono">{t.prefix}…</td>
                <td>{t.scope === 'wall' ? 'wall view' : t.scope === 'read' ? 'read API' : t.scope}</td>
                <td><RelativeTime at={t.createdAt} /> <span className="muted">by {t.createdBy}</span></td>
                <td><RelativeTime at={t.lastUsedAt} /></td>
                <td>{t.revokedAt ? <StatusBadge status="cancelled">revoked</StatusBadge> : <StatusBadge status="live">active</StatusBadge>}</td>
                <td>{t.revokedAt ? null : <button type="button" onClick={() => setRevoking(t)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke token ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke"
        danger
        busy={revoke.isPending}
        error={revoke.error?.message ?? null}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onCancel={() => setRevoking(null)}
      >
        Anything using it gets 401 from its next request. This cannot be undone.
      </ConfirmDialog>
    </>
  );
}
