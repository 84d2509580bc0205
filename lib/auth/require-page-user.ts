import { redirect } from 'next/navigation';
import type { SessionUser } from '../domain/session-user';
import { getSessionUser } from './session';

/**
 * Every console page calls this itself rather than trusting the layout: Next may
 * render a page without re-running its layout (client navigation, partial
 * rendering), so a page that skipped the check would render to anyone. The
 * lookup is cached per request, so layout and page share one query.
 */
export async function requirePageUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect('/signin');
  return user;
}
