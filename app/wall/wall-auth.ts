// Who may see the wall: a browser holding a valid, unrevoked `wall` token in the wall's
// own cookie (set by /wall/enter). Checked on every page render and every poll, so a
// revoked token stops the wall at its next refresh. No session is involved, and nothing
// outside /wall reads this cookie (the browser does not even send it elsewhere: Path=/wall).
import { cookies } from 'next/headers';
import { verifyWallToken } from '@/lib/auth/api-token';
import type { ConsoleContext } from '@/lib/console/context';
import { WALL_COOKIE } from '@/lib/domain/checks/wall';

export async function wallTokenOf(ctx: ConsoleContext): Promise<{ id: string; name: string } | null> {
  const token = (await cookies()).get(WALL_COOKIE)?.value;
  return token ? verifyWallToken(ctx.db, token, ctx.now()) : null;
}
