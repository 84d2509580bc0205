// Drops a projection version's table and checkpoints: a retired one after a swap,
// a ready one nobody will swap in, or what is left of a failed rebuild. Never the
// active version, never one being built (cancel its rebuild first). Admin; the
// drop and its audit record commit together.
import type { Db } from '../adapters/prisma/client';
import { dropVersionTable, versionRow } from '../backbone/projection-rebuild-registry';
import { hasRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { AppError } from '../errors';
import { recordAudit } from './record-audit';

export async function dropProjectionVersion(db: Db, actor: SessionUser, projection: string, version: number): Promise<{ projection: string; version: number; table: string }> {
  if (!hasRole(actor.role, 'admin')) {
    await recordAudit(db, { actor, action: 'projection.drop', target: projection, outcome: 'denied', details: { version } });
    throw new AppError('forbidden', 'dropping a projection version needs the admin role');
  }
  try {
    return await db.$transaction(async (tx) => {
      const row = await versionRow(tx, projection, version, true);
      if (!row) throw new AppError('not_found', `${projection} has no version ${version}`);
      if (!['ready', 'retired', 'failed'].includes(row.state)) {
        throw new AppError('conflict', `${projection} v${version} is ${row.state}; only a ready, retired or failed version can be dropped`, { details: { state: row.state } });
      }
      await dropVersionTable(tx, row, 'dropped');
      const result = { projection, version, table: row.table };
      await recordAudit(tx, { actor, action: 'projection.drop', target: projection, outcome: 'ok', details: { ...result, previousState: row.state } });
      return result;
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'conflict') {
      await recordAudit(db, { actor, action: 'projection.drop', target: projection, outcome: 'failed', details: { version, reason: error.message } });
    }
    throw error;
  }
}
