import type { Role } from './roles';

/**
 * Who is acting: the signed-in console user, as the server re-read it. Lives in the
 * domain (not in lib/auth) so use cases in lib/app can take an actor without
 * depending on how sign-in works.
 */
export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}
