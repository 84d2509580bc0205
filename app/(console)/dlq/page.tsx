import { requirePageUser } from '@/lib/auth/require-page-user';
import { EmptyState } from '../../components/empty-state';

export default async function DeadletterqueuePage() {
  await requirePageUser();
  return (
    <>
      <h1>Dead-letter queue</h1>
      <EmptyState title="Nothing to show yet">Messages a consumer could not process land here, grouped by cause, with payload, error and attempt history. Nothing has been dead-lettered yet.</EmptyState>
    </>
  );
}
