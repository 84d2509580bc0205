// The replay rate cap in force: what an admin set at runtime (dlq_settings), else
// DLQ_REPLAY_RATE_CAP from the environment.
import type { Db } from '../adapters/prisma/client';

export interface DlqRateCapView {
  rateCap: number;
  source: 'setting' | 'environment';
  updatedBy: string | null;
  updatedAt: string | null;
}

export async function getDlqRateCap(db: Pick<Db, 'dlqSetting'>, envCap: number): Promise<DlqRateCapView> {
  const row = await db.dlqSetting.findUnique({ where: { id: 1 } });
  return row
    ? { rateCap: row.rateCap, source: 'setting', updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() }
    : { rateCap: envCap, source: 'environment', updatedBy: null, updatedAt: null };
}
