import { requirePageUser } from '@/lib/auth/require-page-user';
import { EmptyState } from '../../components/empty-state';

export default async function RunbooksPage() {
  await requirePageUser();
  return (
    <>
      <h1>Runbooks</h1>
      <EmptyState title="Nothing to show yet">Runbooks tied to live checks appear here. Until then, see runbooks/ in the repository.</EmptyState>
    </>
  );
}
