import type { Db } from '../adapters/prisma/client';
import { AppError } from '../errors';
import { toJobView, type JobView } from '../jobs/job-view';
import { isUuid } from '../domain/uuid';

/** One job with its progress (done/total, rate over the last 30 s, ETA); not_found for an unknown id. */
export async function getJob(db: Db, id: string): Promise<JobView> {
  const row = isUuid(id) ? await db.backgroundJob.findUnique({ where: { id } }) : null;
  if (!row) throw new AppError('not_found', `job ${id} does not exist`);
  return toJobView(row);
}
