import { cache } from 'react';
import { getServerSession } from 'next-auth';
import { buildAuthOptions } from './next-auth-options';
import { getConsoleContext } from '../console/context';
import { isRole } from '../domain/roles';
import type { SessionUser } from '../domain/session-user';

/**
 * The signed-in user, re-read from the database so a disabled account or a
 * changed role takes effect at once (the JWT alone would hold for 8 hours).
 * Cached per request, so the layout and the page share one lookup.
 */
export const getSessionUser = cache(async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(buildAuthOptions());
  const id = session?.user?.id;
  if (!id) return null;
  const user = await getConsoleContext().db.user.findUnique({ where: { id } });
  if (!user || user.disabledAt || !isRole(user.role)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
});
