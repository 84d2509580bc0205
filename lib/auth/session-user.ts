import type { Role } from '../domain/roles';

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}
