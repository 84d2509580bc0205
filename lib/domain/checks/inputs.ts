// Everything the checks judge, read by the checker in one pass (lib/adapters/prisma/
// checks-store.ts) from the rows the sampler, the relay, the DLQ and the projections
// write. Plain values: the rules are pure and the unit tests build these by hand.
export interface Heartbeat {
  instance: string;
  lastBeatAt: Date;
  /** The process's own beat interval, when it reports one. */
  intervalMs: number | null;
}

export interface SamplerBeat extends Heartbeat {
  kafkaError: string | null;
  kafkaErrorSince: Date | null;
}

export interface GroupFigures {
  groupId: string;
  /** `<prefix>.<name>` → name; other groups keep their id. */
  consumer: string;
  /** The group feeds a projection of that name. */
  projection: string | null;
  /** When the sampler took this row. */
  at: Date;
  status: string;
  evidence: string;
  members: number;
  lag: number | null;
  secondsBehind: number | null;
  /** 'exact' | 'estimate' | 'at least' | null */
  secondsLabel: string | null;
}

export interface DlqFigures {
  consumer: string;
  open: number;
  /** Dead letters in the last `windowSeconds`. */
  recent: number;
  windowSeconds: number;
  /** The cause with most open dead letters, and its message. */
  topCause: { key: string; message: string } | null;
  newestTraceId: string | null;
}

export interface OutboxFigures {
  at: Date;
  backlog: number;
  oldestUnpublishedAt: Date | null;
}

export interface ProjectionFigures {
  name: string;
  version: number;
  /** The newest finished drift report of the active version. */
  drift: { id: string; status: 'clean' | 'drift' | 'failed'; driftPct: number; different: number; missing: number; extra: number; finishedAt: Date; error: string | null } | null;
  /** The newest rebuild, when it failed (a later success clears it). */
  failedRebuild: { jobId: string; error: string | null; at: Date } | null;
}

export interface CheckInputs {
  now: Date;
  postgres: { ok: true } | { ok: false; error: string; since: Date };
  sampler: SamplerBeat | null;
  relay: Heartbeat | null;
  groups: GroupFigures[];
  dlq: DlqFigures[];
  outbox: OutboxFigures | null;
  projections: ProjectionFigures[];
}
