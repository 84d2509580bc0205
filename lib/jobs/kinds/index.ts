// The catalog of job kinds: the jobs worker runs these and the console validates
// requests against them. Replay, drift check, repair and rebuild register here.
import { createJobKindRegistry, type AnyJobKind } from '../job-kind';
import { demoCountJob } from './demo-count';
import { createDlqReplayJob } from './dlq-replay';
import { workerReplayDeps } from './dlq-replay-deps';
import { workerProjectionDeps } from './projection-deps';
import { createProjectionDriftCheckJob } from './projection-drift-check';
import { createProjectionRepairJob } from './projection-repair';
import { createProjectionRebuildJob } from './projection-rebuild';

export const jobKinds: readonly AnyJobKind[] = [demoCountJob, createDlqReplayJob(workerReplayDeps), createProjectionDriftCheckJob(workerProjectionDeps), createProjectionRepairJob(workerProjectionDeps), createProjectionRebuildJob(workerProjectionDeps)];

export const jobKindRegistry = () => createJobKindRegistry(jobKinds);
