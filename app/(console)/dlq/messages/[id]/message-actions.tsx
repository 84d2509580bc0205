'use client';
// Discard (reason required) and edit-and-replay of one open dead letter. The edit is
// of the event's `data`; the server checks it against the type's schema and stores it
// as a new version (the received bytes are kept); a replay then sends that version.
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ConfirmDialog } from '../../../../components/confirm-dialog';
import { discard, editPayload } from '../../dlq-api';

export function MessageActions({ id, payloadJson }: { id: string; payloadJson: string | null }) {
  const router = useRouter();
  const [mode, setMode] = useState<'none' | 'discard' | 'edit'>('none');
  const [reason, setReason] = useState('');
  const [data, setData] = useState(() => {
    try {
      return JSON.stringify((JSON.parse(payloadJson ?? 'null') as { data?: unknown } | null)?.data ?? {}, null, 2);
    } catch {
      return '{}';
    }
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      if (mode === 'discard') await discard([id], reason);
      else await editPayload(id, JSON.parse(data) as unknown, reason);
      setMode('none');
      router.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="row">
      <button type="button" onClick={() => setMode('discard')}>Discard…</button>
      {payloadJson ? <button type="button" onClick={() => setMode('edit')}>Edit payload…</button> : null}
      <ConfirmDialog open={mode !== 'none'} title={mode === 'discard' ? 'Discard this message' : 'Edit the event data'} confirmLabel={mode === 'discard' ? 'Discard' : 'Save as new version'} danger={mode === 'discard'} busy={busy} error={error} onCancel={() => setMode('none')} onConfirm={submit}>
        {mode === 'edit' ? (
          <>
            <label htmlFor="edit-data">Data (JSON; checked against the event type’s schema)</label>
            <textarea id="edit-data" className="mono" rows={12} cols={60} value={data} onChange={(e) => setData(e.target.value)} />
          </>
        ) : null}
        <label htmlFor="action-reason">Reason (required)</label>
        <input id="action-reason" value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} />
      </ConfirmDialog>
    </div>
  );
}
