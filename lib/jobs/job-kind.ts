// What a job kind is: a name, a zod schema for its parameters, the scope a request
// occupies, the least role that may start (pause, resume, cancel) it, and `run`.
// Kinds are registered once per process (the jobs worker and the console share the
// catalog), so a request is validated where it is made and run where it is picked up.
import type { z } from 'zod';
import type { Prisma } from '../adapters/prisma/client';
import type { Role } from '../domain/roles';
import { AppError } from '../errors';

/** Returned by `run` when it stopped because `shouldStop()` said so (not finished). */
export const STOPPED: unique symbol = Symbol('job stopped');
export type Stopped = typeof STOPPED;

/** JSON the kind returns when it finished; stored as the job's result summary. */
export type JobResult = Record<string, unknown> | undefined;

export interface JobContext<P, C> {
  readonly jobId: string;
  readonly params: P;
  /** The last checkpoint this job saved (null on its first run): resume from here. */
  readonly lastCheckpoint: C | null;
  /** Aborted when the job is being cancelled, the run lost its claim, or the worker must stop now. */
  readonly signal: AbortSignal;
  /** Sentinel to return from `run` after `shouldStop()` was true. */
  readonly stopped: Stopped;
  /** True once a pause or cancel was requested or the worker is shutting down: save, then return `stopped`. */
  shouldStop(): boolean;
  /** Records progress in memory; it is saved with the next checkpoint (and on heartbeats). */
  progress(done: number, total?: number | null, failures?: number): void;
  /**
   * Saves `value` and the current progress in one transaction, fenced by this run's
   * claim: `effects(tx)` runs in the same transaction, so a step's effect and the
   * checkpoint that says it happened commit together or not at all. Throws if the
   * run lost its claim (the job was reclaimed or resumed elsewhere).
   */
  checkpoint(value: C, effects?: (tx: Prisma.TransactionClient) => Promise<void>): Promise<void>;
}

export interface JobKind<P = unknown, C = unknown> {
  name: string;
  params: z.ZodType<P>;
  /** The least role that may start, pause, resume or cancel jobs of this kind. */
  requiredRole: Role;
  /** What the job occupies, e.g. "replay:consumer:payments"; one active job per scope. */
  scope(params: P): string;
  run(ctx: JobContext<P, C>): Promise<JobResult | Stopped>;
}

/** Identity helper that keeps P and C inferred at the definition site. */
export function defineJobKind<P, C>(kind: JobKind<P, C>): JobKind<P, C> {
  return kind;
}

export interface JobKindRegistry {
  get(name: string): JobKind | undefined;
  require(name: string): JobKind;
  names(): string[];
}

// Each kind has its own P and C; the registry holds them side by side.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobKind = JobKind<any, any>;

export function createJobKindRegistry(kinds: readonly AnyJobKind[]): JobKindRegistry {
  const byName = new Map<string, JobKind>();
  for (const kind of kinds) {
    if (byName.has(kind.name)) throw new Error(`job kind ${kind.name} is registered twice`);
    byName.set(kind.name, kind as JobKind);
  }
  return {
    get: (name) => byName.get(name),
    require(name) {
      const kind = byName.get(name);
      if (!kind) throw new AppError('bad_request', `unknown job kind "${name}"`, { details: { known: [...byName.keys()] } });
      return kind;
    },
    names: () => [...byName.keys()],
  };
}
