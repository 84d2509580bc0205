import { describe, expect, it } from 'vitest';
import { BACKLOG_STUCK_SECONDS, backlogHealth, consumerHealth } from '@/lib/read/pulse-health';

const now = new Date('2026-11-28T10:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('backlogHealth', () => {
  it('is flowing when nothing waits or the oldest is only seconds old', () => {
    expect(backlogHealth({ unpublished: 0, oldestUnpublishedAt: null }, now)).toEqual({ level: 'ok', label: 'flowing' });
    expect(backlogHealth({ unpublished: 40, oldestUnpublishedAt: ago(2) }, now).label).toBe('flowing');
  });
  it('is behind, then stuck, as the oldest unpublished event ages', () => {
    expect(backlogHealth({ unpublished: 3, oldestUnpublishedAt: ago(10) }, now)).toEqual({ level: 'warn', label: 'behind' });
    expect(backlogHealth({ unpublished: 3, oldestUnpublishedAt: ago(BACKLOG_STUCK_SECONDS) }, now)).toEqual({ level: 'bad', label: 'stuck' });
  });
});

describe('consumerHealth', () => {
  const base = { applied: 100, retries: 0, deadLettered: 0, dlqOpen: 0 };
  it('labels by the worst thing in the window', () => {
    expect(consumerHealth(base)).toEqual({ level: 'ok', label: 'healthy' });
    expect(consumerHealth({ ...base, dlqOpen: 1 })).toEqual({ level: 'warn', label: 'DLQ open' });
    expect(consumerHealth({ ...base, retries: 2, dlqOpen: 1 })).toEqual({ level: 'warn', label: 'retrying' });
    expect(consumerHealth({ ...base, applied: 1000, deadLettered: 1 })).toEqual({ level: 'warn', label: 'dead-lettering' });
  });
  it('is failing at 5 % or more of finished work dead-lettered', () => {
    expect(consumerHealth({ ...base, applied: 95, deadLettered: 5 })).toEqual({ level: 'bad', label: 'failing' });
    expect(consumerHealth({ ...base, applied: 96, deadLettered: 4 }).label).toBe('dead-lettering');
    expect(consumerHealth({ ...base, applied: 0, deadLettered: 1 }).label).toBe('failing');
  });
});
