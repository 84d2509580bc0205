'use client';
// The timeline is rendered on the server; while a flow is still moving (a replay
// running, a consumer behind) it re-renders every few seconds, pausable, with its age.
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Freshness } from '../../../components/freshness';

const INTERVAL_MS = 5_000;

export function TimelineRefresh({ renderedAt }: { renderedAt: string }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => router.refresh(), INTERVAL_MS);
    return () => clearInterval(timer);
  }, [paused, router]);
  return <Freshness updatedAt={new Date(renderedAt)} paused={paused} onPausedChange={setPaused} intervalMs={INTERVAL_MS} />;
}
