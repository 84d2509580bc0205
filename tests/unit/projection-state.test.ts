// A projection's state on the Projections page (lib/read/list-projections.ts projectionState).
import { describe, expect, it } from 'vitest';
import { projectionState, REBUILD_KIND } from '@/lib/read/list-projections';
import type { JobView } from '@/lib/jobs/job-view';

const job = (kind: string, state: JobView['state']) => ({ id: 'j', kind, state }) as JobView;
const version = (state: string) => ({ version: 2, table: 't_v2', state, createdAt: '2026-11-28T12:00:00Z', activatedAt: null });
const at = '2026-11-28T12:00:00Z';

describe('projectionState', () => {
  it('is rebuilding while a rebuild holds the scope or a version is being built, not for a drift check', () => {
    expect(projectionState({ activeJob: job(REBUILD_KIND, 'running'), lastRebuild: null, versions: [], checkpointAt: at })).toBe('rebuilding');
    expect(projectionState({ activeJob: null, lastRebuild: null, versions: [version('building')], checkpointAt: at })).toBe('rebuilding');
    expect(projectionState({ activeJob: job('projection.drift-check', 'running'), lastRebuild: null, versions: [], checkpointAt: at })).toBe('live');
  });

  it('is failed after a failed rebuild, but not after a cancelled one', () => {
    expect(projectionState({ activeJob: null, lastRebuild: job(REBUILD_KIND, 'failed'), versions: [version('failed')], checkpointAt: at })).toBe('failed');
    expect(projectionState({ activeJob: null, lastRebuild: job(REBUILD_KIND, 'cancelled'), versions: [version('failed')], checkpointAt: at })).toBe('live');
  });

  it('has no checkpoint before the first batch', () => {
    expect(projectionState({ activeJob: null, lastRebuild: null, versions: [], checkpointAt: null })).toBe('no checkpoint');
  });
});
