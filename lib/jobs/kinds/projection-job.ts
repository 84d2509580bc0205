// What the projection job kinds (drift check, repair) share: the parameters (one
// known projection), the scope that makes them exclude each other, and their
// dependencies, made on first use.
import { z } from 'zod';
import type { Role } from '../../domain/roles';
import { demoProjectionNames } from '../../demo/projections/drift-specs';
import { defineJobKind, type JobContext, type JobKind, type JobResult, type Stopped } from '../job-kind';
import type { ProjectionJobDeps } from './projection-deps';

export const projectionParams = z.object({
  projection: z.string().refine((p) => demoProjectionNames.includes(p), { message: `one of ${demoProjectionNames.join(', ')}` }),
  /** Drift check: recompute the whole log and rebuild the check's base instead of folding only new events. */
  cold: z.boolean().optional(),
});
export type ProjectionParams = z.infer<typeof projectionParams>;

/** Drift check, repair and rebuild of one projection exclude each other. */
export const projectionScope = (p: ProjectionParams) => `projection:${p.projection}`;

export function defineProjectionJobKind<C>(
  getDeps: () => Promise<ProjectionJobDeps>,
  kind: { name: string; requiredRole: Role; run(ctx: JobContext<ProjectionParams, C>, deps: ProjectionJobDeps): Promise<JobResult | Stopped> },
): JobKind<ProjectionParams, C> {
  return defineJobKind<ProjectionParams, C>({
    name: kind.name,
    params: projectionParams,
    requiredRole: kind.requiredRole,
    scope: projectionScope,
    run: async (ctx) => kind.run(ctx, await getDeps()),
  });
}
