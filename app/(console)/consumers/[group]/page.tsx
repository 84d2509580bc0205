import { Suspense } from 'react';
import Link from 'next/link';
import { requirePageUser } from '@/lib/auth/require-page-user';
import { GroupDetail } from './group-detail';

export default async function ConsumerGroupPage({ params }: { params: Promise<{ group: string }> }) {
  await requirePageUser();
  const { group } = await params;
  const groupId = decodeURIComponent(group);
  return (
    <>
      <p><Link href="/consumers">← Consumers</Link></p>
      <h1 className="mono">{groupId}</h1>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <GroupDetail groupId={groupId} />
      </Suspense>
    </>
  );
}
