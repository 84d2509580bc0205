import type { Db } from '../adapters/prisma/client';
import type { SessionUser } from '../domain/session-user';
import { updateKnobs, type DemoKnobs, type DemoKnobsUpdate } from '../demo/knobs';
import { recordAudit } from './record-audit';

/** Changes the demo's fault knobs for a signed-in operator; every change (or failed attempt) is audited. */
export async function updateDemoKnobs(db: Db, actor: SessionUser, patch: DemoKnobsUpdate): Promise<DemoKnobs> {
  try {
    const knobs = await updateKnobs(db, patch, actor.email);
    await recordAudit(db, { actor, action: 'demo.knobs.update', target: 'demo_knobs', outcome: 'ok', details: { patch } });
    return knobs;
  } catch (error) {
    await recordAudit(db, { actor, action: 'demo.knobs.update', target: 'demo_knobs', outcome: 'failed', details: { patch, error: (error as Error).message } });
    throw error;
  }
}
