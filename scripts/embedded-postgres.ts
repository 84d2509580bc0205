// npx tsx scripts/embedded-postgres.ts <prepare|start|stop|status>
// The embedded PostgreSQL server by hand (the demo and npm test drive it themselves):
//   prepare  make the package's binaries runnable (its postinstall, which npm skips here)
//   start    start it on EMBEDDED_POSTGRES_PORT (54329) with data in EMBEDDED_POSTGRES_DIR
//            (.data/postgres), or report the one already running; prints its URL
//   stop     stop it (fast shutdown; data is kept)
//   status   print its URL and exit 0 when it runs, exit 1 when it does not
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureEmbeddedBinaries } from '../lib/adapters/postgres/embedded-binaries';
import { embeddedServerStatus, embeddedUrl, startEmbeddedPostgres, stopEmbeddedPostgres } from '../lib/adapters/postgres/embedded-server';
import { databaseSelectionEnvSchema } from '../lib/config/database-env';
import { loadEnvOrExit } from '../lib/config/parse-env';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'Usage: npx tsx scripts/embedded-postgres.ts <prepare|start|stop|status>';

async function main(command: string | undefined): Promise<number> {
  const env = loadEnvOrExit(databaseSelectionEnvSchema, 'embedded-postgres');
  const dataDir = path.resolve(root, env.EMBEDDED_POSTGRES_DIR);
  switch (command) {
    case 'prepare': {
      const { packageDir, linksCreated } = await ensureEmbeddedBinaries();
      console.log(`embedded PostgreSQL binaries ready in ${path.relative(root, packageDir)} (${linksCreated} symlink(s) created)`);
      return 0;
    }
    case 'start': {
      const server = await startEmbeddedPostgres({ dataDir, port: env.EMBEDDED_POSTGRES_PORT });
      console.log(`${server.startedHere ? 'started' : 'already running'}: ${server.url('signalbox')} (data in ${dataDir})`);
      return 0;
    }
    case 'stop':
      console.log((await stopEmbeddedPostgres(dataDir)) ? 'stopped' : `not running (${dataDir})`);
      return 0;
    case 'status': {
      const running = await embeddedServerStatus(dataDir);
      console.log(running ? `running (pid ${running.pid}): ${embeddedUrl(running.port, 'signalbox')}` : `not running (${dataDir})`);
      return running ? 0 : 1;
    }
    default:
      console.error(usage);
      return 64;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
