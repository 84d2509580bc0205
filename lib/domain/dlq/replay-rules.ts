// The rules of a replay that need no I/O: which gate a request of n messages must
// pass, the typed confirmation text, and the headers a replayed record carries
// (the stored ones, traceparent included, plus lineage). Pure.
/** A stored header: base64 of its bytes as received (the backbone's RawHeader shape). */
export interface RawHeader {
  key: string;
  valueBase64: string;
}

export type ReplayGate = 'none' | 'typed' | 'approval';

/** One message needs nothing; above `confirmOver` a typed confirmation; above `approvalOver` a second operator (an admin). */
export function replayGateOf(count: number, limits: { confirmOver: number; approvalOver: number }): ReplayGate {
  if (count > limits.approvalOver) return 'approval';
  if (count > limits.confirmOver) return 'typed';
  return 'none';
}

/** What the operator types to confirm a large replay: says what it does and how much. */
export function confirmationText(count: number): string {
  return `replay ${count}`;
}

export const lineageHeaders = {
  dlqId: 'signalbox-dlq-id',
  job: 'signalbox-replay-job',
  topic: 'signalbox-original-topic',
  partition: 'signalbox-original-partition',
  offset: 'signalbox-original-offset',
} as const;

const lineageKeys = new Set<string>(Object.values(lineageHeaders));

export interface Lineage {
  dlqId: string;
  jobId: string;
  topic: string;
  partition: number;
  offset: string;
}

/** Stored headers (minus an earlier replay's lineage) plus this replay's lineage, as kafkajs headers. */
export function replayHeadersOf(stored: readonly RawHeader[], lineage: Lineage): Record<string, Buffer[]> {
  const out: Record<string, Buffer[]> = {};
  for (const h of stored) {
    if (lineageKeys.has(h.key)) continue;
    (out[h.key] ??= []).push(Buffer.from(h.valueBase64, 'base64'));
  }
  out[lineageHeaders.dlqId] = [Buffer.from(lineage.dlqId)];
  out[lineageHeaders.job] = [Buffer.from(lineage.jobId)];
  out[lineageHeaders.topic] = [Buffer.from(lineage.topic)];
  out[lineageHeaders.partition] = [Buffer.from(String(lineage.partition))];
  out[lineageHeaders.offset] = [Buffer.from(lineage.offset)];
  return out;
}

/** Stored headers of a dlq row as written by the dead-letter store (tolerates old shapes). */
export function storedHeadersOf(json: unknown): RawHeader[] {
  if (!Array.isArray(json)) return [];
  return json.filter((h): h is RawHeader => typeof h === 'object' && h !== null && typeof h.key === 'string' && typeof h.valueBase64 === 'string');
}

/**
 * The rate each job of one replay request runs at. A request starts one job per consumer
 * and they run at once, so together they may use at most `cap` messages per second: the
 * default is min(default rate, cap / jobs) each; a requested rate is refused when `jobs`
 * times it is above the cap (the message says the most each may use).
 */
export function requestRateOf(requested: number | undefined, jobs: number, cap: number, defaultRate: number): { ok: true; rate: number } | { ok: false; message: string } {
  const each = Math.floor(cap / Math.max(1, jobs));
  if (each < 1) return { ok: false, message: `This replay starts ${jobs} jobs (one per consumer) and the rate cap is ${cap}/s in all: not even 1/s each. Replay fewer consumers at a time.` };
  if (requested === undefined) return { ok: true, rate: Math.min(defaultRate, each) };
  if (requested * jobs <= cap) return { ok: true, rate: requested };
  const spread = jobs > 1 ? ` This replay starts ${jobs} jobs (one per consumer), ${jobs} × ${requested}/s = ${jobs * requested}/s; at most ${each}/s each.` : '';
  return { ok: false, message: `The replay rate cap is ${cap}/s.${spread}` };
}

/** A running job's rate: its requested rate, within its share of the cap in force now (the cap split over its request's jobs). */
export function jobRateWithin(requested: number, cap: number, requestJobs: number): number {
  return Math.max(1, Math.min(requested, Math.floor(cap / Math.max(1, requestJobs))));
}
