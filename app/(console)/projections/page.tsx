import { requirePageUser } from '@/lib/auth/require-page-user';
import { ProjectionsList } from './projections-list';

export default async function ProjectionsPage() {
  await requirePageUser();
  return (
    <>
      <h1>Projections</h1>
      <ProjectionsList />
    </>
  );
}
