// Which PostgreSQL the scripts use when none is configured (docs/database.md):
//   1. a configured URL (DATABASE_URL, or TEST_DATABASE_URL_BASE for tests), as is;
//   2. else a server answering on DEFAULT_POSTGRES_ADDRESS (127.0.0.1:5432);
//   3. else the embedded server on EMBEDDED_POSTGRES_DIR / EMBEDDED_POSTGRES_PORT:
//      reused when it already runs, started when the caller may start it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseSelectionEnvSchema, type DatabaseSelectionEnv } from '../../config/database-env';
import { DEFAULT_DATABASE_URL } from '../../config/schemas';
import { embeddedServerStatus, embeddedUrl, startEmbeddedPostgres, stopEmbeddedPostgres, tcpAnswers } from './embedded-server';

export interface ResolvedPostgres {
  url: string;
  source: 'configured' | 'default' | 'embedded';
  /** One line for logs, without credentials. */
  description: string;
  /** Stops the embedded server; set only when this call started it. */
  stop: (() => Promise<void>) | null;
}

export interface ResolveOptions {
  env: DatabaseSelectionEnv;
  /** The URL the user configured, if any (DATABASE_URL or TEST_DATABASE_URL_BASE). */
  configuredUrl: string | undefined;
  /** Repository root: EMBEDDED_POSTGRES_DIR is relative to it. */
  root: string;
  /** Database name for the URL; '' for a server URL (tests add their own names). */
  database: string;
  /** May start the embedded server (the demo, npm test); CLIs only look for a running one. */
  startEmbedded: boolean;
  /** Start it with fsync off (its data is thrown away: smoke tests). */
  throwaway?: boolean;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The server to use, or null when none answers and starting one is not allowed. */
export async function resolvePostgres(options: ResolveOptions): Promise<ResolvedPostgres | null> {
  const { env, configuredUrl, database } = options;
  if (configuredUrl) {
    const u = new URL(configuredUrl);
    return { url: configuredUrl, source: 'configured', description: `configured server ${u.host}`, stop: null };
  }
  const address = env.DEFAULT_POSTGRES_ADDRESS;
  const at = address.lastIndexOf(':');
  if (await tcpAnswers(address.slice(0, at), Number(address.slice(at + 1)))) {
    return {
      url: withDatabase(`postgresql://postgres@${address}`, database),
      source: 'default',
      description: `server on ${address}`,
      stop: null,
    };
  }
  const dataDir = path.resolve(options.root, env.EMBEDDED_POSTGRES_DIR);
  const inRoot = dataDir.startsWith(options.root + path.sep);
  const shown = inRoot ? path.relative(options.root, dataDir) : dataDir;
  if (!options.startEmbedded) {
    const running = await embeddedServerStatus(dataDir);
    if (!running) return null;
    return {
      url: embeddedUrl(running.port, database),
      source: 'embedded',
      description: `embedded server on 127.0.0.1:${running.port} (${shown})`,
      stop: null,
    };
  }
  const server = await startEmbeddedPostgres({ dataDir, port: env.EMBEDDED_POSTGRES_PORT, throwaway: options.throwaway });
  return {
    url: server.url(database),
    source: 'embedded',
    description: `embedded server on 127.0.0.1:${server.port} (${shown}; ${server.startedHere ? 'started' : 'already running'}; nothing answers on ${address})`,
    stop: server.startedHere ? () => stopEmbeddedPostgres(dataDir).then(() => {}) : null,
  };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * For tools run by hand while the demo runs (orders CLI, user:create, db:migrate): when
 * DATABASE_URL is unset, points it at the server the demo chose (the default address, or
 * the embedded server if that is running). Starts nothing; with nothing found the tool
 * keeps its default and reports the connection error as before.
 */
export async function adoptRunningDatabase(environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  const parsed = databaseSelectionEnvSchema.safeParse(environment);
  if (!parsed.success || parsed.data.DATABASE_URL) return; // the tool's own config check reports a bad value
  const database = new URL(DEFAULT_DATABASE_URL).pathname.slice(1);
  const found = await resolvePostgres({ env: parsed.data, configuredUrl: undefined, root: repoRoot, database, startEmbedded: false });
  if (found) environment.DATABASE_URL = found.url;
}
