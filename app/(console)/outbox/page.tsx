import { Suspense } from 'react';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { OutboxPanelView } from './outbox-panel';

export default async function OutboxPage() {
  await requirePageUser();
  return (
    <>
      <h1>Outbox</h1>
      <p className="muted">Backlog, the age of the oldest unpublished row and the relay&apos;s rate over time, and the rows waiting longest with their last publish error. JSON: <code>GET /api/outbox</code>.</p>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <OutboxPanelView />
      </Suspense>
    </>
  );
}
