// Prisma CLI configuration (used by `prisma generate`). Migrations are applied by
// scripts/db-migrate.ts through Prisma's WebAssembly schema engine instead of the CLI.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
