import type { Db } from '../adapters/prisma/client';
import { readKnobs, type DemoKnobs } from '../demo/knobs';

/** The demo's fault knobs as the Overview's knob panel shows them. */
export async function getDemoKnobs(db: Pick<Db, 'demoKnobs'>): Promise<{ knobs: DemoKnobs }> {
  return { knobs: await readKnobs(db) };
}
