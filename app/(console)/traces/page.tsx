import { requirePageUser } from '@/lib/auth/require-page-user';
import { EmptyState } from '../../components/empty-state';

export default async function TracesPage() {
  await requirePageUser();
  return (
    <>
      <h1>Traces</h1>
      <EmptyState title="Nothing to show yet">Search by trace ID, event ID or order ID to see one timeline: outbox write, publish, each consumer&apos;s attempts, DLQ and replays, projection updates.</EmptyState>
    </>
  );
}
