import { requirePageUser } from '@/lib/auth/require-page-user';
import { EmptyState } from '../../components/empty-state';

export default async function ProjectionsPage() {
  await requirePageUser();
  return (
    <>
      <h1>Projections</h1>
      <EmptyState title="Nothing to show yet">Each read model with its checkpoint, drift against the event log and rebuild status appears here once projections run.</EmptyState>
    </>
  );
}
