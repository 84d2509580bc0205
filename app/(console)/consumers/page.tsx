import { Suspense } from 'react';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { ConsumersList } from './consumers-list';

export default async function ConsumersPage() {
  await requirePageUser();
  return (
    <>
      <h1>Consumers</h1>
      <p className="muted">
        Every consumer group the lag sampler sees: health over its window with the evidence, lag in messages and seconds behind, drain ETA and
        the last 15 min. Filters and sort live in the URL. Also as JSON: <code>GET /api/consumers</code>.
      </p>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <ConsumersList />
      </Suspense>
    </>
  );
}
