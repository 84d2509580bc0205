// What the projection job kinds need in the jobs worker: a database client, the
// event registry and their configuration, made on first use (the console imports
// the catalog only to validate requests).
import { createDb, type Db } from '../../adapters/prisma/client';
import { projectionsEnvSchema, type ProjectionsEnv } from '../../config/projections-env';
import { parseEnv } from '../../config/parse-env';
import type { EventRegistry } from '../../domain/events/registry';
import { createOrderEventRegistry } from '../../demo/orders/events';

export interface ProjectionJobDeps {
  db: Db;
  registry: EventRegistry;
  env: ProjectionsEnv;
}

let deps: ProjectionJobDeps | undefined;

export function workerProjectionDeps(): Promise<ProjectionJobDeps> {
  deps ??= (() => {
    const env = parseEnv(projectionsEnvSchema, process.env, 'jobs');
    return { db: createDb(env.DATABASE_URL, { poolSize: 4, applicationName: 'signalbox-projection-jobs' }), registry: createOrderEventRegistry() as EventRegistry, env };
  })();
  return Promise.resolve(deps);
}
