import { apiRoute } from '@/lib/http/api-route';
import { swapProjectionVersion, swapProjectionVersionSchema } from '@/lib/app/swap-projection-version';

export const dynamic = 'force-dynamic';

/** Makes a ready (or retired) version active (admin, audited): { version } → { projection, from, to, caughtUpEvents }. */
export const POST = apiRoute({ action: 'projection.swap', body: swapProjectionVersionSchema }, async ({ ctx, user, body, params }) =>
  swapProjectionVersion({ db: ctx.db }, user, params.name ?? '', body),
);
