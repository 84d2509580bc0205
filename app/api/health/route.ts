import { NextResponse } from 'next/server';
import { getConsoleContext } from '@/lib/console/context';
import { getConsoleHealth } from '@/lib/read/get-console-health';

export const dynamic = 'force-dynamic';

/** Public liveness/readiness: says whether the console can reach its database. Leaks no detail. */
export async function GET() {
  const health = await getConsoleHealth(getConsoleContext().db);
  return NextResponse.json(health, { status: health.status === 'ok' ? 200 : 503 });
}
