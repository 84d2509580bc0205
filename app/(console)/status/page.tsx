// Status: every platform part, flow, consumer and projection with its current state
// (worst of its checks), 24 h and 7 d history bars, and the incidents (periods of non-OK)
// with start, end and duration. A CRIT or WARN links to its runbook. The first figures
// are rendered here; the board then polls GET /api/status every few seconds (status-board.tsx).
import { requirePageUser } from '@/lib/auth/require-page-user';
import { getConsoleContext } from '@/lib/console/context';
import { getStatus } from '@/lib/read/get-status';
import { StatusBoard } from './status-board';

export default async function StatusPage() {
  await requirePageUser();
  const ctx = getConsoleContext();
  const s = await getStatus(ctx.db, ctx.now());
  return (
    <>
      <h1>Status</h1>
      <StatusBoard initial={s} />
    </>
  );
}
