import { apiRoute } from '@/lib/http/api-route';
import { AppError } from '@/lib/errors';
import { dropProjectionVersion } from '@/lib/app/drop-projection-version';

export const dynamic = 'force-dynamic';

/** Drops a ready, retired or failed version's table (admin, audited) → { projection, version, table }. */
export const DELETE = apiRoute({ action: 'projection.drop' }, async ({ ctx, user, params }) => {
  const version = Number(params.version);
  if (!Number.isInteger(version) || version < 1) throw new AppError('bad_request', 'version must be a positive integer');
  return dropProjectionVersion(ctx.db, user, params.name ?? '', version);
});
