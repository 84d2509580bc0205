import { requirePageUser } from '@/lib/auth/require-page-user';
import { ProjectionDetail } from './projection-detail';

export default async function ProjectionPage({ params }: { params: Promise<{ name: string }> }) {
  const user = await requirePageUser();
  const { name } = await params;
  return <ProjectionDetail name={decodeURIComponent(name)} role={user.role} />;
}
