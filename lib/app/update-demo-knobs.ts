import type { Db } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';
import { updateKnobsIn, type DemoKnobs, type DemoKnobsUpdate } from '../demo/knobs';
import { recordAudit } from './record-audit';

const ACTION = 'demo.knobs.update';

/**
 * Changes the demo's fault knobs for a signed-in operator. The change and its audit
 * entry commit together (one transaction): no change without its record, no record
 * of a change that did not happen. A failed attempt is audited afterwards, on its own.
 */
export async function updateDemoKnobs(db: Db, actor: SessionUser, patch: DemoKnobsUpdate): Promise<DemoKnobs> {
  try {
    return await db.$transaction(async (tx) => {
      const knobs = await updateKnobsIn(tx, patch, actor.email);
      await recordAudit(tx, { actor, action: ACTION, target: 'demo_knobs', outcome: 'ok', details: { patch } });
      return knobs;
    });
  } catch (error) {
    await recordAudit(db, { actor, action: ACTION, target: 'demo_knobs', outcome: 'failed', details: { patch, error: error instanceof Error ? error.message : String(error) } });
    throw error;
  }
}
