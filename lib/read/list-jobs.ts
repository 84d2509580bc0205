import { z } from 'zod';
import type { Db, Prisma } from '../adapters/prisma/client';
import { AppError } from '../errors';
import { jobStates } from '../jobs/job-state';
import { toJobView, type JobView } from '../jobs/job-view';

export const jobFilterSchema = z.object({
  scope: z.string().trim().min(1).max(200).optional(),
  kind: z.string().trim().min(1).max(100).optional(),
  /** One state or several, comma-separated (`queued,running`). */
  state: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(jobStates)).min(1))
    .optional(),
  /** Opaque cursor from the previous page's `next`. */
  after: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type JobFilter = z.input<typeof jobFilterSchema>;

// The cursor is the last row's (created_at, id): newest first, stable under inserts.
function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) throw new AppError('bad_request', 'invalid cursor');
  return { createdAt, id };
}

/** Jobs newest first, filtered by scope, kind and state, keyset-paginated by (created_at, id). */
export async function listJobs(db: Db, input: JobFilter): Promise<{ jobs: JobView[]; next: string | null }> {
  const parsed = jobFilterSchema.safeParse(input);
  if (!parsed.success) throw new AppError('bad_request', `invalid job filter: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const filter = parsed.data;
  const cursor = filter.after ? decodeCursor(filter.after) : null;
  const where: Prisma.BackgroundJobWhereInput = {
    ...(filter.scope ? { scope: filter.scope } : {}),
    ...(filter.kind ? { kind: filter.kind } : {}),
    ...(filter.state ? { state: { in: filter.state } } : {}),
    ...(cursor ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] } : {}),
  };
  const rows = await db.backgroundJob.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return { jobs: page.map(toJobView), next: rows.length > filter.limit && last ? encodeCursor(last) : null };
}
