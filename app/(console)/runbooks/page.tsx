import { EmptyState } from '../../components/empty-state';

export default function RunbooksPage() {
  return (
    <>
      <h1>Runbooks</h1>
      <EmptyState title="Nothing to show yet">Runbooks tied to live checks appear here. Until then, see runbooks/ in the repository.</EmptyState>
    </>
  );
}
