// What every Consumers screen shows first: how fresh the sampler's figures are, whether
// Kafka was reachable at its last tick (and since when not), and whether the relay is
// alive. All from process_heartbeats (index (kind, last_beat_at DESC)), never from Kafka:
// the console makes no admin call per page view.
import type { Db } from '../adapters/prisma/client';
import { freshnessOf, type Freshness } from './consumer-view';

export const SAMPLER_KIND = 'lag-sampler';
export const RELAY_KIND = 'outbox-relay';

interface BeatRow {
  instance: string;
  last_beat_at: Date;
  details: Record<string, unknown> | null;
}

async function beats(db: Db, kind: string): Promise<BeatRow[]> {
  return db.$queryRaw<BeatRow[]>`
    SELECT instance, last_beat_at, details FROM process_heartbeats WHERE kind = ${kind} ORDER BY last_beat_at DESC LIMIT 10`;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export interface SamplerStatus extends Freshness {
  instance: string | null;
  instances: number;
  intervalMs: number | null;
  /** Set when the active sampler's last tick could not reach Kafka. */
  kafka: { unreachableSince: string | null; error: string } | null;
  /** The sampler's own last failure (e.g. its database writes), if its last tick failed. */
  error: string | null;
}

export async function getSamplerStatus(db: Db, now: Date): Promise<SamplerStatus> {
  const rows = await beats(db, SAMPLER_KIND);
  // The active one speaks for the figures; a standby only proves a process is alive.
  const active = rows.find((r) => r.details?.role === 'active') ?? rows[0];
  const d = active?.details ?? {};
  const intervalMs = num(d.intervalMs);
  const kafkaError = str(d.kafkaError);
  return {
    ...freshnessOf(active?.last_beat_at ?? null, intervalMs, now),
    instance: active?.instance ?? null,
    instances: rows.length,
    intervalMs,
    kafka: kafkaError ? { unreachableSince: str(d.kafkaErrorSince), error: kafkaError } : null,
    error: str(d.error),
  };
}

export interface RelayStatus extends Freshness {
  instances: number;
  /** Rows the relay published in its last beat interval, when it reports them. */
  lastError: string | null;
}

/** "Relay down" (no fresh beat) is told apart from "relay idle" (fresh beat, nothing to publish). */
export async function getRelayStatus(db: Db, now: Date): Promise<RelayStatus> {
  const rows = await beats(db, RELAY_KIND);
  const newest = rows[0];
  const fresh = rows.filter((r) => now.getTime() - r.last_beat_at.getTime() < 60_000);
  return {
    ...freshnessOf(newest?.last_beat_at ?? null, num(newest?.details?.intervalMs), now),
    instances: fresh.length,
    lastError: str(newest?.details?.lastError),
  };
}
