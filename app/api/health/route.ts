import { NextResponse } from 'next/server';
import { getConsoleContext } from '@/lib/console/context';

export const dynamic = 'force-dynamic';

/** Public liveness/readiness: says whether the console can reach its database. Leaks no detail. */
export async function GET() {
  try {
    await getConsoleContext().db.$queryRaw`SELECT 1`;
    return NextResponse.json({ status: 'ok', checks: { database: 'ok' } });
  } catch {
    return NextResponse.json({ status: 'degraded', checks: { database: 'unreachable' } }, { status: 503 });
  }
}
