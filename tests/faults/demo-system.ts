// The real demo system for fault runs, as child processes, against a PostgreSQL
// cluster and a Kafka broker this harness creates and owns (never the shared
// server on 5432 or the shared broker on 9092): the outbox relay, the demo
// consumers and projections, the orders API and the traffic generator, each kept
// running by the same supervisor as `npm run demo` (scripts/supervise.ts), so a
// worker that is killed or exits is started again with backoff.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { superviseProcess } from '../../scripts/supervise';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { updateKnobs, type DemoKnobsUpdate } from '@/lib/demo/knobs';
import { applyMigrations } from '@/lib/tooling/schema-engine';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres';
import { freePort, startOwnKafka, type OwnKafka } from '../support/own-kafka';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const WORKER_FILES = {
  relay: 'workers/outbox-relay/index.ts',
  consumers: 'workers/demo-consumers/index.ts',
  'orders-api': 'workers/orders-api/index.ts',
  traffic: 'workers/traffic-generator/index.ts',
  'lag-sampler': 'workers/lag-sampler/index.ts',
  checks: 'workers/checks/index.ts',
  jobs: 'workers/jobs/index.ts',
} as const;
export type WorkerName = keyof typeof WORKER_FILES;

/** One worker process: which worker, its id (log file, handle name; the worker's name by default), extra environment. */
export interface WorkerInstance {
  name: WorkerName;
  id?: string;
  env?: Record<string, string>;
}

export interface WorkerHandle {
  name: string;
  /** The current process (a new one after each restart). */
  child(): ChildProcess | undefined;
  /** Processes started so far (1 + restarts). */
  starts(): number;
  /** Sends a signal to the current process; the supervisor starts a new one when it exits. */
  signal(signal: NodeJS.Signals): number | undefined;
}

export interface DemoSystemOptions {
  label: string;
  /** Where worker logs go (one file per worker, plus harness.log). */
  logDir: string;
  workers: readonly WorkerName[];
  /** Extra environment for every worker (e.g. RELAY_BATCH_SIZE). */
  env?: Record<string, string>;
  /** Per-worker extra environment; a worker listed several times (name#2) gets its own process. */
  instances?: readonly WorkerInstance[];
  /** Knobs written before any worker starts (rate, failure shares). */
  knobs?: DemoKnobsUpdate;
  log?: (line: string) => void;
}

export interface DemoSystem {
  pg: OwnPostgres;
  kafka: OwnKafka;
  /** The demo database on the owned cluster. */
  url: string;
  workers: Map<string, WorkerHandle>;
  /** Writes the demo knobs (a short-lived client each time: the server may have restarted since). */
  setKnobs(patch: DemoKnobsUpdate): Promise<void>;
  /** A Prisma client on the demo database; the caller disconnects it. */
  newDb(poolSize?: number): Db;
  log(line: string): void;
  /** Starts one more worker process at run time (e.g. an extra demo-consumers instance), supervised like the others; `id` must be new. */
  startWorker(instance: WorkerInstance): WorkerHandle;
  /**
   * Stops a worker for good (its supervisor does not start it again): sends `signal` and
   * waits until the process has exited (SIGKILL after 15 s if a SIGTERM was not enough).
   * Returns the pid signalled, or undefined when it was not running.
   */
  stopWorker(id: string, signal: NodeJS.Signals): Promise<number | undefined>;
  /** Stops every worker (SIGTERM, then SIGKILL after 15 s) and keeps the cluster and broker: for judging a quiet system. */
  stopWorkers(): Promise<void>;
  /** Stops every worker (SIGTERM, then SIGKILL after 15 s), the broker and the cluster, and deletes their data. */
  stop(): Promise<void>;
}

function stamp(): string {
  return new Date().toISOString().slice(11, 23);
}

export async function startDemoSystem(options: DemoSystemOptions): Promise<DemoSystem> {
  mkdirSync(options.logDir, { recursive: true });
  const harnessLog = createWriteStream(path.join(options.logDir, 'harness.log'), { flags: 'a' });
  const log = (line: string) => {
    harnessLog.write(`${stamp()} ${line}\n`);
    options.log?.(line);
  };
  const streams: WriteStream[] = [harnessLog];
  let pg: OwnPostgres | undefined;
  let kafka: OwnKafka | undefined;
  let stopping = false;
  const workers = new Map<string, WorkerHandle>();

  const stopWorkers = async () => {
    stopping = true;
    const children = [...workers.values()].map((w) => w.child()).filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
    for (const c of children) c.kill('SIGTERM');
    const deadline = Date.now() + 15_000;
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  const stopAll = async () => {
    await stopWorkers();
    await kafka?.remove().catch((e: unknown) => log(`could not remove the broker: ${String(e)}`));
    await pg?.remove().catch((e: unknown) => log(`could not remove the cluster: ${String(e)}`));
    for (const s of streams) s.end();
  };

  try {
    const t0 = Date.now();
    [pg, kafka] = await Promise.all([startOwnPostgres(`faults-${options.label}`), startOwnKafka(`faults-${options.label}`)]);
    const url = await pg.createDatabase('signalbox');
    await applyMigrations({ url, schemaPath: path.join(root, 'prisma', 'schema.prisma'), migrationsDir: path.join(root, 'prisma', 'migrations') });
    log(`owned PostgreSQL on 127.0.0.1:${pg.port} (${pg.dataDir}), owned Kafka on ${kafka.brokers.join(',')} (${kafka.dataDir}); ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const newDb = (poolSize = 2) => createDb(url, { poolSize, applicationName: 'signalbox-fault-harness' });
    const setKnobs = async (patch: DemoKnobsUpdate) => {
      const db = newDb(1);
      try {
        await updateKnobs(db, patch, 'fault-harness');
      } finally {
        await db.$disconnect();
      }
    };

    if (options.knobs) await setKnobs(options.knobs);
    const ordersApiPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      KAFKA_BROKERS: kafka.brokers.join(','),
      ORDERS_API_PORT: String(ordersApiPort),
      ORDERS_API_HOST: '127.0.0.1',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      LOG_LEVEL: options.env?.LOG_LEVEL ?? 'info',
    };
    delete env.TEST_DATABASE_URL_BASE;
    // Never the shared server or broker.
    if (new URL(String(env.DATABASE_URL)).port !== String(pg.port)) throw new Error('fault harness: DATABASE_URL is not the owned cluster');
    if (env.KAFKA_BROKERS !== `127.0.0.1:${kafka.port}`) throw new Error('fault harness: KAFKA_BROKERS is not the owned broker');

    const retired = new Set<string>();
    const startWorker = (instance: WorkerInstance): WorkerHandle => {
      const id = instance.id ?? instance.name;
      if (workers.has(id)) throw new Error(`fault harness: a worker ${id} exists already`);
      const out = createWriteStream(path.join(options.logDir, `${id}.log`), { flags: 'a' });
      streams.push(out);
      let child: ChildProcess | undefined;
      let starts = 0;
      const handle: WorkerHandle = {
        name: id,
        child: () => child,
        starts: () => starts,
        signal: (signal) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
          child.kill(signal);
          return child.pid;
        },
      };
      workers.set(id, handle);
      superviseProcess({
        name: id,
        minDelayMs: 500,
        maxDelayMs: 5_000,
        healthyAfterMs: 20_000,
        stopping: () => stopping || retired.has(id),
        log: (line) => log(`supervisor: ${line}`),
        spawn: () => {
          starts++;
          child = spawn(process.execPath, ['--import', 'tsx', WORKER_FILES[instance.name]], {
            cwd: root,
            env: { ...env, ...instance.env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          out.write(`${stamp()} ==== start #${starts} pid ${child.pid}\n`);
          const forward = (stream: NodeJS.ReadableStream) => {
            let buffer = '';
            stream.on('data', (chunk: Buffer) => {
              buffer += chunk.toString('utf8');
              const lines = buffer.split('\n');
              buffer = lines.pop() ?? '';
              for (const line of lines) out.write(`${stamp()} ${line}\n`);
            });
          };
          forward(child.stdout!);
          forward(child.stderr!);
          return child;
        },
      });
      return handle;
    };
    const stopWorker = async (id: string, signal: NodeJS.Signals): Promise<number | undefined> => {
      const handle = workers.get(id);
      if (!handle) throw new Error(`fault harness: no worker ${id}`);
      retired.add(id);
      const c = handle.child();
      if (!c || c.exitCode !== null || c.signalCode !== null) return undefined;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill(signal);
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      return c.pid;
    };
    for (const instance of options.instances ?? options.workers.map((name) => ({ name }))) startWorker(instance);
    log(`started workers: ${[...workers.keys()].join(', ')}`);
    return { pg, kafka, url, workers, setKnobs, newDb, log, startWorker, stopWorker, stopWorkers, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
