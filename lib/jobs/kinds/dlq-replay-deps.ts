// What `dlq.replay` needs in the jobs worker: a database client and an idempotent
// producer, made from the worker's environment on the first replay (the console
// imports the catalog only to validate requests and never builds them).
import { createDb } from '../../adapters/prisma/client';
import { createKafka } from '../../adapters/kafka/kafka-client';
import { dlqEnvSchema } from '../../config/dlq-env';
import { parseEnv } from '../../config/parse-env';
import type { DlqReplayDeps } from './dlq-replay';

let deps: Promise<DlqReplayDeps> | undefined;

export function workerReplayDeps(): Promise<DlqReplayDeps> {
  deps ??= (async () => {
    const env = parseEnv(dlqEnvSchema, process.env, 'jobs');
    const producer = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-replay` }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return { db: createDb(env.DATABASE_URL, { poolSize: 3 }), producer };
  })();
  deps.catch(() => (deps = undefined));
  return deps;
}
