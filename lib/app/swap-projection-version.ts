// Makes a rebuilt (ready) or retired version of a projection the active one
// (docs/projections.md "Swap"): first catches it up from the log without locks,
// then in one transaction takes the registry row FOR UPDATE (live batches wait),
// applies the last events up to the active version's checkpoint, swaps the
// registry and records the audit. Readers see the old table or the new one,
// complete and at the same point of the log; the live consumer needs no restart.
import { z } from 'zod';
import type { Db } from '../adapters/prisma/client';
import { prismaDriftDb } from '../adapters/prisma/projection-drift-db';
import { activeVersion, swapActiveVersion } from '../adapters/prisma/projection-registry';
import { catchUp, consistentPoint, lockedCatchUp } from '../backbone/projection-rebuild';
import { versionRow } from '../backbone/projection-rebuild-registry';
import type { EventRegistry } from '../domain/events/registry';
import { hasRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';
import { demoDriftSpecs } from '../demo/projections/drift-specs';
import { AppError } from '../errors';
import { demoEventRegistry, SWAP_PUBLISH_WAIT_MS } from './projection-rebuild-deps';
import { recordAudit } from './record-audit';

export const swapProjectionVersionSchema = z.object({ version: z.number().int().min(1) });

const BATCH = 2_000;
const CLOSE_ENOUGH = 5_000;
const SWAP_TIMEOUT_MS = 5 * 60_000;

export async function swapProjectionVersion(
  deps: { db: Db; registry?: EventRegistry; publishWaitMs?: number },
  actor: SessionUser,
  projection: string,
  input: z.infer<typeof swapProjectionVersionSchema>,
): Promise<{ projection: string; from: number; to: number; caughtUpEvents: number }> {
  const { db } = deps;
  const registry = deps.registry ?? demoEventRegistry();
  const wait = { publishWaitMs: deps.publishWaitMs ?? SWAP_PUBLISH_WAIT_MS };
  if (!hasRole(actor.role, 'admin')) {
    await recordAudit(db, { actor, action: 'projection.swap', target: projection, outcome: 'denied', details: { version: input.version } });
    throw new AppError('forbidden', 'swapping a projection version needs the admin role');
  }
  const spec = demoDriftSpecs[projection];
  if (!spec) throw new AppError('not_found', `no projection named ${projection}`);
  const row = await versionRow(db, projection, input.version);
  if (!row) throw new AppError('not_found', `${projection} has no version ${input.version}`);
  const refuse = async (message: string) => {
    await recordAudit(db, { actor, action: 'projection.swap', target: projection, outcome: 'failed', details: { version: input.version, state: row.state, reason: message } });
    return new AppError('conflict', message, { details: { version: input.version, state: row.state } });
  };
  if (row.state !== 'ready' && row.state !== 'retired') throw await refuse(`${projection} v${input.version} is ${row.state}; only a ready or retired version can be swapped in`);

  // Unlocked: close most of the gap batch by batch, so the locked step is short.
  let caughtUp = 0;
  for (let round = 0; round < 10; round++) {
    const live = await activeVersion(db, projection);
    if (live.version === input.version) break;
    const target = await consistentPoint(prismaDriftDb(db), spec, live.checkpointName, wait);
    const applied = await catchUp(db, registry, spec, row, target, (effects) => db.$transaction(effects, { timeout: 60_000 }), { batch: BATCH });
    caughtUp += applied;
    if (applied < CLOSE_ENOUGH) break;
  }

  return db.$transaction(async (tx) => {
    const locked = await versionRow(tx, projection, input.version, true);
    if (!locked || (locked.state !== 'ready' && locked.state !== 'retired')) {
      throw new AppError('conflict', `${projection} v${input.version} is ${locked?.state ?? 'gone'}; only a ready or retired version can be swapped in`);
    }
    const { active, applied } = await lockedCatchUp(tx, db, registry, spec, projection, locked, { ...wait, batch: BATCH });
    if (active.version === input.version) throw new AppError('conflict', `${projection} v${input.version} is already the active version`);
    await swapActiveVersion(tx, projection, input.version);
    const result = { projection, from: active.version, to: input.version, caughtUpEvents: caughtUp + applied };
    await recordAudit(tx, { actor, action: 'projection.swap', target: projection, outcome: 'ok', details: { ...result, table: locked.table, previousTable: active.table } });
    return result;
  }, { timeout: SWAP_TIMEOUT_MS, maxWait: 30_000 });
}
