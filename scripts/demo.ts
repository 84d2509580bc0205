// Runs Signalbox with its demo system: Kafka (unless KAFKA_BROKERS is set),
// migrations, a demo admin, the console (production build), the outbox relay,
// the demo consumers and projections, the orders API and the traffic generator.
// Ctrl-C stops everything it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { superviseProcess } from './supervise';
import { resolvePostgres } from '../lib/adapters/postgres/resolve-server';
import { databaseSelectionEnvSchema } from '../lib/config/database-env';
import { parseEnv } from '../lib/config/parse-env';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT ?? '3000';
const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@signalbox.local';
const children: { name: string; child: ChildProcess }[] = [];
let startedKafka = false;
let stopDatabase: (() => Promise<void>) | null = null; // set only when this run started the embedded server
let stopping = false;

function step(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  console.log(`demo: ${title}`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    throw new Error(`${title} failed (exit ${result.status})`);
  }
  return result.stdout ?? '';
}

function spawnPrefixed(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(args[0]!, args.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  const forward = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) out.write(prefix + line + '\n');
    });
  };
  forward(child.stdout!, process.stdout);
  forward(child.stderr!, process.stderr);
  return child;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawnPrefixed(name, args, env);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`demo: ${name} exited (${signal ?? code}); press Ctrl-C to stop the rest`);
  });
  children.push({ name, child });
}

// Workers are restarted when they exit, with backoff (scripts/supervise.ts).
function supervise(name: string, args: string[], env: NodeJS.ProcessEnv) {
  const entry = { name, child: undefined as unknown as ChildProcess };
  children.push(entry);
  superviseProcess({
    name,
    spawn: () => (entry.child = spawnPrefixed(name, args, env)),
    stopping: () => stopping,
    log: (line) => console.error(`demo: ${line}`),
  });
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\ndemo: stopping…');
  for (const { child } of children) child.kill('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (children.some(({ child }) => child.exitCode === null && child.signalCode === null) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (startedKafka) spawnSync('bash', ['infra/kafka/kafka.sh', 'stop'], { cwd: root, stdio: 'inherit' });
  // Last: the workers above may still have been writing while they stopped.
  if (stopDatabase) await stopDatabase().catch((e: unknown) => console.error(`demo: could not stop the embedded PostgreSQL: ${String(e)}`));
  console.log('demo: stopped.');
  process.exit(code);
}

function secret(): string {
  const file = path.join(root, '.data', 'demo-secret');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(36).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

function portIsFree(p: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(p, host, () => server.close(() => resolve(true)));
  });
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  for (const [p, variable] of [[Number(port), 'PORT'], [Number(process.env.ORDERS_API_PORT ?? 3100), 'ORDERS_API_PORT']] as const) {
    if (!(await portIsFree(p, '127.0.0.1'))) {
      throw new Error(`port ${p} is already in use (another Signalbox or demo still running?). Stop it, or set ${variable} to a free port.`);
    }
  }
  process.on('SIGTERM', () => void shutdown(0));
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  if (!existsSync(path.join(root, 'lib/adapters/prisma/generated/client.ts'))) step('generating the Prisma client', tsx, ['scripts/prisma-generate.ts']);
  if (!process.env.KAFKA_BROKERS) {
    // Stop it on exit only if this run started it.
    const alreadyRunning = spawnSync('bash', ['infra/kafka/kafka.sh', 'status'], { cwd: root, stdio: 'ignore' }).status === 0;
    step('starting the local Kafka broker', 'bash', ['infra/kafka/kafka.sh', 'start']);
    startedKafka = !alreadyRunning && !process.env.DEMO_KEEP_KAFKA;
  }
  // DATABASE_URL, else the server on 127.0.0.1:5432, else the embedded one (docs/database.md).
  // Exported, so every step below and every child uses the same database.
  const databaseEnv = parseEnv(databaseSelectionEnvSchema, process.env, 'demo');
  if (!databaseEnv.DATABASE_URL) console.log('demo: choosing PostgreSQL (DATABASE_URL is not set)');
  const database = (await resolvePostgres({ env: databaseEnv, configuredUrl: databaseEnv.DATABASE_URL, root, database: 'signalbox', startEmbedded: true }))!;
  stopDatabase = database.stop;
  process.env.DATABASE_URL = database.url;
  console.log(`demo: database: ${database.description}`);
  step('applying database migrations', tsx, ['scripts/db-migrate.ts']);
  const created = step('creating the demo admin', tsx, ['scripts/user-create.ts', '--email', adminEmail, '--role', 'admin', '--name', 'Demo admin', '--reset']);
  const password = /Password \(shown once\): (\S+)/.exec(created)?.[1];
  if (!existsSync(path.join(root, '.next', 'BUILD_ID')) || process.env.DEMO_REBUILD) {
    step('building the console (next build, about a minute)', 'npx', ['next', 'build']);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? secret(),
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
  // Each child is node itself (no npx/tsx wrapper), so SIGTERM reaches the server and
  // the workers and nothing is left running after Ctrl-C.
  start('console', [process.execPath, 'node_modules/next/dist/bin/next', 'start', '-p', port, '-H', process.env.HOST ?? '127.0.0.1'], env);
  for (const [name, file] of [
    ['relay', 'workers/outbox-relay/index.ts'],
    ['consumers', 'workers/demo-consumers/index.ts'],
    ['orders-api', 'workers/orders-api/index.ts'],
    ['traffic', 'workers/traffic-generator/index.ts'],
    ['jobs', 'workers/jobs/index.ts'],
    ['lag-sampler', 'workers/lag-sampler/index.ts'],
    ['maintenance', 'workers/maintenance/index.ts'],
    ['checks', 'workers/checks/index.ts'],
  ] as const) {
    if (existsSync(path.join(root, file))) supervise(name, [process.execPath, '--import', 'tsx', file], env);
  }

  const url = `http://localhost:${port}`;
  const consoleChild = children[0]!.child;
  for (let i = 0; ; i++) {
    if (consoleChild.exitCode !== null || consoleChild.signalCode !== null) throw new Error('the console did not start (see its output above)');
    if (i >= 120) throw new Error(`the console did not answer ${url}/api/health within 60 s`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log('\n────────────────────────────────────────────────────────────');
  console.log(` Signalbox is running:  ${url}`);
  console.log(` Sign in as:            ${adminEmail}`);
  console.log(` Password:              ${password ?? '(see above)'}`);
  console.log(` Database:              ${database.description}`);
  console.log(' Orders API (demo):     http://127.0.0.1:3100  (POST /orders …)');
  console.log(' Fault knobs:           npx tsx scripts/orders-cli.ts knobs set --poison 0.1 --transient 0.2');
  console.log(' Stop:                  Ctrl-C');
  console.log('────────────────────────────────────────────────────────────\n');
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
