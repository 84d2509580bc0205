// The wall view: a read-only status screen for a monitor on the wall, opened with a wall
// token (an admin creates one on /settings/tokens, scope "wall") as /wall?token=…; the
// token is traded for a cookie scoped to /wall (app/wall/enter/route.ts). No session, no
// console chrome, no links: the token opens this page and its data route, nothing else.
import type { Metadata } from 'next';
import { getConsoleContext } from '@/lib/console/context';
import { getWallStatus } from '@/lib/read/get-wall-status';
import { wallThemeOf } from '@/lib/domain/checks/wall';
import { wallTokenOf } from './wall-auth';
import { WallBoard, WallShell, WallRefused } from './wall-board';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Signalbox status wall', robots: { index: false, follow: false }, referrer: 'no-referrer' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function WallPage({ searchParams }: Props) {
  const { theme, refused } = await searchParams;
  const t = wallThemeOf(theme);
  const ctx = getConsoleContext();
  const wall = await wallTokenOf(ctx);
  if (!wall) {
    return (
      <WallShell theme={t}>
        <WallRefused refused={refused === '1'} />
      </WallShell>
    );
  }
  return <WallBoard initial={await getWallStatus(ctx.db, ctx.now())} theme={t} name={wall.name} />;
}
