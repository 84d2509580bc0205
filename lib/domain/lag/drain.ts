// Drain ETA: how long until a group has read everything, at the rates seen over the
// window. Pure.
import type { PartitionLag } from './partition-lag';
import { pendingMessages } from './partition-lag';

export interface RateSample {
  at: number; // epoch ms
  partitions: readonly PartitionLag[];
}

export type DrainState = 'caught-up' | 'draining' | 'not-draining' | 'unknown';

export interface Drain {
  /** Messages committed per second over the window (rewinds count 0). */
  consumeRate: number | null;
  /** Messages produced per second over the window. */
  produceRate: number | null;
  etaSeconds: number | null;
  state: DrainState;
}

const key = (p: { topic: string; partition: number }) => `${p.topic}\u0000${p.partition}`;

/** Rates between the oldest and newest sample; ETA = pending / (consume − produce). */
export function drain(first: RateSample | undefined, last: RateSample): Drain {
  const pending = last.partitions.reduce((sum, p) => sum + pendingMessages(p), 0);
  if (pending === 0) return { consumeRate: null, produceRate: null, etaSeconds: 0, state: 'caught-up' };
  const dt = first ? (last.at - first.at) / 1000 : 0;
  if (!first || !(dt > 0)) return { consumeRate: null, produceRate: null, etaSeconds: null, state: 'unknown' };
  const before = new Map(first.partitions.map((p) => [key(p), p]));
  let consumed = 0;
  let produced = 0;
  for (const p of last.partitions) {
    const old = before.get(key(p));
    if (!old) continue;
    produced += Math.max(0, p.end - old.end);
    if (p.committed !== null && old.committed !== null) consumed += Math.max(0, p.committed - old.committed);
  }
  const consumeRate = consumed / dt;
  const produceRate = produced / dt;
  const net = consumeRate - produceRate;
  if (!(net > 0)) return { consumeRate, produceRate, etaSeconds: null, state: 'not-draining' };
  return { consumeRate, produceRate, etaSeconds: pending / net, state: 'draining' };
}
