'use client';
// What every Consumers screen says first: the sampler's figures are stale (loudly), Kafka
// was unreachable at the last tick (since when, why; the page still shows the last
// samples), the relay is down. From the read's `sampler` / `relay` fields, never from Kafka.
import type { SamplerStatus, RelayStatus } from '@/lib/read/sampler-status';
import { apiErrorMessage } from '@/lib/http/api-error';
import { formatDurationSeconds } from '@/lib/domain/format/time';
import { RelativeTime } from '../../components/relative-time';

export async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return (await res.json()) as T;
}

export function SamplerBanner({ sampler, relay }: { sampler: SamplerStatus; relay?: RelayStatus }) {
  return (
    <>
      {sampler.state === 'missing' ? (
        <div className="error-box" role="alert" data-testid="sampler-banner">
          <strong>No lag sampler has run against this database.</strong> Lag, seconds behind and health come from its samples: start it with{' '}
          <code>npm run demo</code> or <code>npx tsx workers/lag-sampler/index.ts</code>.
        </div>
      ) : sampler.state === 'stale' ? (
        <div className="error-box" role="alert" data-testid="sampler-banner">
          <strong>⚠ The lag sampler is stale:</strong> its last heartbeat was {formatDurationSeconds(sampler.ageSeconds ?? 0)} ago (
          <RelativeTime at={sampler.lastBeatAt} />
          ). Every figure below is at least that old. Is <code>workers/lag-sampler</code> running?
        </div>
      ) : null}
      {sampler.kafka ? (
        <div className="error-box" role="alert" data-testid="kafka-banner">
          <strong>Kafka unreachable</strong>
          {sampler.kafka.unreachableSince ? (
            <>
              {' '}since <RelativeTime at={sampler.kafka.unreachableSince} />
            </>
          ) : null}
          : <span className="mono">{sampler.kafka.error}</span>. Showing the last samples taken while it was reachable; groups show ERR until it is back.
        </div>
      ) : null}
      {sampler.error ? <div className="error-box" role="alert">The sampler&apos;s last tick failed: <span className="mono">{sampler.error}</span></div> : null}
      {relay && relay.state !== 'fresh' ? (
        <div className="error-box" role="alert" data-testid="relay-banner">
          <strong>Outbox relay {relay.state === 'missing' ? 'has never reported' : 'is down'}:</strong>{' '}
          {relay.state === 'stale' ? <>last heartbeat <RelativeTime at={relay.lastBeatAt} />. </> : null}
          Nothing reaches Kafka until it runs again (<code>workers/outbox-relay</code>).
        </div>
      ) : null}
    </>
  );
}

export function seconds(s: number | null, label: string | null): string {
  if (s === null) return '—';
  const words = formatDurationSeconds(s);
  return label === 'estimate' ? `~${words} (estimate)` : label === 'at least' ? `≥ ${words} (at least)` : words;
}
