// `npm run db:generate`: `prisma generate`, offline. The Prisma CLI downloads its native
// schema engine at start-up for every command, and fails without network; generate
// itself never runs that engine, so any existing file satisfies the check.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');

const configured = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: configured && existsSync(configured) ? configured : process.execPath,
};

const result = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], { stdio: 'inherit', env });
if (result.error) {
  console.error(`db:generate failed: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
