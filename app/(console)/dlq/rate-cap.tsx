'use client';
// The replay rate cap in force, and (for admins) changing it while replays run: they
// follow the new cap within a second. The change is audited (dlq.rate.update).
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { setRateCap } from './dlq-api';

export function RateCap({ rateCap, source, updatedBy, canChange }: { rateCap: number; source: 'setting' | 'environment'; updatedBy: string | null; canChange: boolean }) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const result = await setRateCap(Number(new FormData(event.currentTarget).get('rateCap')));
      setMessage(`Cap ${result.previous}/s → ${result.rateCap}/s; running replays follow within a second.`);
      router.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <form className="row" aria-label="Replay rate cap" onSubmit={onSubmit} data-testid="rate-cap">
      <span>
        Replay rate cap: <strong>{rateCap}/s</strong> <span className="muted">({source === 'setting' ? `set by ${updatedBy}` : 'from DLQ_REPLAY_RATE_CAP'})</span>
      </span>
      {canChange ? (
        <>
          <label htmlFor="rateCap" style={{ margin: 0 }}>New cap (1–2000/s)</label>
          <input id="rateCap" name="rateCap" type="number" min={1} max={2000} defaultValue={rateCap} style={{ width: 90 }} />
          <button type="submit">Change cap</button>
        </>
      ) : null}
      {message ? <span role="status">✓ {message}</span> : null}
      {error ? <span className="error-box" role="alert">{error}</span> : null}
    </form>
  );
}
