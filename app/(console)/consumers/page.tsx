import { requirePageUser } from '@/lib/auth/require-page-user';
import { EmptyState } from '../../components/empty-state';

export default async function ConsumersPage() {
  await requirePageUser();
  return (
    <>
      <h1>Consumers</h1>
      <EmptyState title="Nothing to show yet">Consumer groups with lag in messages and seconds, health over a window and history charts appear here once consumers and the lag sampler run. Start them with npm run demo.</EmptyState>
    </>
  );
}
