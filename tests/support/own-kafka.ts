// A Kafka broker a test owns outright, for faults that must not touch the shared
// broker on 9092 (SIGTERM it, SIGKILL it, restart it): a second single-node KRaft
// broker started by infra/kafka/kafka.sh with its own free client and controller
// ports and its own data directory (a temp dir), so its pid file, properties and
// storage are separate from the shared broker's. remove() stops it and deletes the dir.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The resolved broker classpath is kept here between runs (Maven takes a while even offline). */
const classpathCache = path.join(root, '.data', 'faults', 'kafka-classpath');
const SHARED_PORTS = new Set([9092, 9093]);

export interface OwnKafka {
  port: number;
  controllerPort: number;
  dataDir: string;
  /** `127.0.0.1:<port>`, for KAFKA_BROKERS. */
  brokers: string[];
  /** The broker's java pid, or null when it is not running. */
  pid(): number | null;
  /** Starts it (keeping its data) and waits until it answers a metadata request. */
  start(): Promise<void>;
  /** Controlled shutdown: SIGTERM, waits for the process to exit (SIGKILL after 30 s, as kafka.sh does). */
  stop(): Promise<void>;
  /** SIGKILL: no controlled shutdown, no flush; waits until the process is gone. */
  kill(): Promise<void>;
  /** Stops it the given way, then starts it again; resolves once it answers. */
  restart(how: 'SIGTERM' | 'SIGKILL', downMs?: number): Promise<void>;
  /** Stops it (SIGKILL) and deletes its directory. */
  remove(): Promise<void>;
  logFile: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function seedClasspath(dataDir: string): void {
  for (const source of [classpathCache, path.join(root, '.data', 'kafka')]) {
    const txt = path.join(source, 'classpath.txt');
    const stamp = path.join(source, 'classpath.stamp');
    if (existsSync(txt) && existsSync(stamp)) {
      copyFileSync(txt, path.join(dataDir, 'classpath.txt'));
      copyFileSync(stamp, path.join(dataDir, 'classpath.stamp'));
      return;
    }
  }
}

function keepClasspath(dataDir: string): void {
  const txt = path.join(dataDir, 'classpath.txt');
  if (!existsSync(txt)) return;
  mkdirSync(classpathCache, { recursive: true });
  copyFileSync(txt, path.join(classpathCache, 'classpath.txt'));
  copyFileSync(path.join(dataDir, 'classpath.stamp'), path.join(classpathCache, 'classpath.stamp'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startOwnKafka(label = 'kafka'): Promise<OwnKafka> {
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  if (SHARED_PORTS.has(port) || SHARED_PORTS.has(controllerPort)) throw new Error('own-kafka: refusing the shared broker ports');
  const dataDir = mkdtempSync(path.join(tmpdir(), `signalbox-${label}-`));
  seedClasspath(dataDir);
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_DATA_DIR: dataDir };
  const kafkaSh = async (command: 'start' | 'stop') => {
    try {
      await run('bash', [path.join(root, 'infra', 'kafka', 'kafka.sh'), command], { cwd: root, env, timeout: 240_000 });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`own-kafka: kafka.sh ${command} failed: ${e.stderr || e.stdout || e.message}`);
    }
  };
  const pidFile = path.join(dataDir, 'kafka.pid');
  const pid = (): number | null => {
    if (!existsSync(pidFile)) return null;
    const n = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(n) || n <= 0 || !alive(n)) return null;
    // Only ever signal a java running kafka.Kafka with our own properties file.
    const cmdline = readFileSync(`/proc/${n}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return cmdline.includes(`kafka.Kafka ${path.join(dataDir, 'server.properties')}`) ? n : null;
  };
  const kill = async () => {
    const p = pid();
    if (p === null) return;
    process.kill(p, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(p)) {
      if (Date.now() > deadline) throw new Error(`own-kafka: pid ${p} survived SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const broker: OwnKafka = {
    port,
    controllerPort,
    dataDir,
    brokers: [`127.0.0.1:${port}`],
    logFile: path.join(dataDir, 'logs', 'server.log'),
    pid,
    start: () => kafkaSh('start'),
    stop: () => kafkaSh('stop'),
    kill,
    async restart(how, downMs = 0) {
      if (how === 'SIGKILL') await kill();
      else await kafkaSh('stop');
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await kafkaSh('start');
    },
    async remove() {
      await kill().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await broker.start();
    keepClasspath(dataDir);
  } catch (error) {
    await broker.remove();
    throw error;
  }
  return broker;
}
