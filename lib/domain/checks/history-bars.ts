// The status page's history bars: a window cut into equal buckets, each showing the
// worst state of the incidents that overlap it (OK where none did). Pure.
import { worse, type CheckState } from './check-types';

export interface IncidentSpan {
  startedAt: Date;
  endedAt: Date | null;
  worstState: CheckState;
}

export interface Bar {
  from: Date;
  to: Date;
  state: CheckState;
}

export function historyBars(incidents: readonly IncidentSpan[], end: Date, windowMs: number, buckets: number): Bar[] {
  const size = windowMs / buckets;
  const start = end.getTime() - windowMs;
  const bars: Bar[] = Array.from({ length: buckets }, (_, k) => ({ from: new Date(start + k * size), to: new Date(start + (k + 1) * size), state: 'OK' as CheckState }));
  for (const i of incidents) {
    const a = i.startedAt.getTime();
    const b = i.endedAt ? i.endedAt.getTime() : end.getTime();
    if (b < start || a > end.getTime()) continue;
    const first = Math.max(0, Math.floor((a - start) / size));
    const last = Math.min(buckets - 1, Math.floor((Math.max(a, b) - start) / size));
    for (let k = first; k <= last; k++) bars[k]!.state = worse(bars[k]!.state, i.worstState);
  }
  return bars;
}
