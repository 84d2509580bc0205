// GET /wall/data: the wall's figures (lib/read/get-wall-status.ts), polled by /wall.
// Authenticated by the wall cookie alone; 401 without a valid, unrevoked wall token.
import { NextResponse } from 'next/server';
import { getConsoleContext } from '@/lib/console/context';
import { apiErrorBody } from '@/lib/http/api-error';
import { errorResponse } from '@/lib/http/api-route';
import { getWallStatus } from '@/lib/read/get-wall-status';
import { wallTokenOf } from '../wall-auth';

export const dynamic = 'force-dynamic';

export async function GET() {
  try {
    const ctx = getConsoleContext();
    if (!(await wallTokenOf(ctx))) {
      return NextResponse.json(apiErrorBody('unauthorized', 'This wall has no valid wall token: it was revoked, or the screen was never given one. Ask an admin for a new wall link.'), { status: 401, headers: { 'cache-control': 'no-store' } });
    }
    return NextResponse.json(await getWallStatus(ctx.db, ctx.now()), { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  }
}
