import { describe, expect, it } from 'vitest';
import { evaluateHealth, windowOf, type GroupSample } from '@/lib/domain/lag/health';
import { partitionLag } from '@/lib/domain/lag/partition-lag';

const WINDOW = 5 * 60_000;
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);

/** A group reading one partition: (seconds, end, committed, members) per sample. */
function series(rows: readonly [number, number, number | null, number][], logStart = 0): GroupSample[] {
  return rows.map(([s, end, committed, members]) => ({
    at: T0 + s * 1000,
    readable: true,
    members,
    partitions: [partitionLag({ topic: 'orders.v1', partition: 0, logStart, end, committed })],
  }));
}
/** Every 10 s for `seconds`, with end and committed from functions of the time. */
function every10s(seconds: number, end: (s: number) => number, committed: (s: number) => number | null, members = 1) {
  const rows: [number, number, number | null, number][] = [];
  for (let s = 0; s <= seconds; s += 10) rows.push([s, end(s), committed(s), members]);
  return series(rows);
}

describe('lag health rules', () => {
  it('OK: caught up, with members', () => {
    const h = evaluateHealth(every10s(600, (s) => s * 10, (s) => s * 10), WINDOW);
    expect(h).toEqual({ status: 'OK', evidence: 'OK: caught up (lag 0, 1 member)' });
  });

  it('OK, not STOP: idle consumer of an idle topic, no members and no commit for hours (Burrow false STOP)', () => {
    const h = evaluateHealth(every10s(3 * 3600, () => 500, () => 500, 0), WINDOW);
    expect(h.status).toBe('OK');
    expect(h.evidence).toContain('lag 0');
  });

  it('OK, not WARN: a burst on an idle topic that is being drained (kafka-lag-exporter jump)', () => {
    // idle at 1000 for 4 min, a burst of 5000, then reading 100/s
    const h = evaluateHealth(
      every10s(300, (s) => (s < 240 ? 1000 : 6000), (s) => (s < 250 ? 1000 : Math.min(6000, 1000 + (s - 240) * 100))),
      WINDOW,
    );
    expect(h.status).toBe('OK');
  });

  it('WARN: lag growing over the window', () => {
    const h = evaluateHealth(every10s(360, (s) => 1000 + s * 20, (s) => 1000 + s * 15), WINDOW);
    expect(h.status).toBe('WARN');
    expect(h.evidence).toMatch(/^WARN: lag grew from \d+ to 1800 over 5 min \(consuming 15\/s, producing 20\/s\)$/);
  });

  it('not WARN: lag that wobbles up and down while the consumer keeps up', () => {
    const wobble = [3, 5, 2, 6, 1, 4, 2, 7, 3, 5, 2, 6, 1, 4, 2, 7, 3, 5, 2, 6, 1, 4, 2, 7, 3, 5, 2, 6, 1, 4, 9];
    const rows = wobble.map((lag, i) => [i * 10, 1000 + i * 50, 1000 + i * 50 - lag, 1] as [number, number, number, number]);
    expect(evaluateHealth(series(rows), WINDOW).status).toBe('OK');
  });

  it('not WARN before the window is covered', () => {
    const h = evaluateHealth(every10s(120, (s) => 1000 + s * 20, (s) => 1000 + s * 15), WINDOW);
    expect(h.status).toBe('OK');
    expect(h.evidence).toContain('less history than the window');
  });

  it('STALL: members present, lag > 0, committed offset not moving for the whole window', () => {
    const h = evaluateHealth(every10s(400, (s) => 1000 + s, () => 900, 2), WINDOW);
    expect(h).toEqual({ status: 'STALL', evidence: 'STALL: 2 members but no commit for 5 min while lag is 500' });
  });

  it('STOP: lag > 0, no members and no commit for longer than the window', () => {
    const h = evaluateHealth(every10s(720, () => 1240, () => 900, 0), 12 * 60_000 - 10_000);
    expect(h).toEqual({ status: 'STOP', evidence: 'STOP: no commit for 12 min while lag is 340 and the group has no members' });
  });

  it('not STOP yet: members left but it committed within the window', () => {
    const h = evaluateHealth(every10s(300, () => 2000, (s) => Math.min(1500, 1000 + s * 10), 0), WINDOW);
    expect(h.status).toBe('OK');
    expect(h.evidence).toContain('no members now but committed');
  });

  it('REWIND: committed offset went backwards', () => {
    const h = evaluateHealth(every10s(120, () => 1200, (s) => (s < 60 ? 1200 : 0)), WINDOW);
    expect(h.status).toBe('REWIND');
    expect(h.evidence).toBe('REWIND: committed offset of orders.v1[0] went back from 1200 to 0 1 min ago (lag now 1200)');
  });

  it('ERR: metadata unreadable at the latest sample', () => {
    const samples = every10s(60, () => 10, () => 10);
    samples.push({ at: T0 + 70_000, readable: false, error: 'KafkaJSConnectionError: Connection timeout', members: 0, partitions: [] });
    expect(evaluateHealth(samples, WINDOW)).toEqual({ status: 'ERR', evidence: 'ERR: group metadata unreadable: KafkaJSConnectionError: Connection timeout' });
    expect(evaluateHealth([], WINDOW).status).toBe('ERR');
  });

  it('empty group with no commits on an idle empty topic is OK; with data waiting and no one reading it is STOP', () => {
    expect(evaluateHealth(every10s(600, () => 0, () => null, 0), WINDOW).status).toBe('OK');
    const h = evaluateHealth(every10s(600, () => 40, () => null, 0), WINDOW);
    expect(h.status).toBe('STOP');
    expect(h.evidence).toContain('lag is 40');
  });

  it('data loss: only messages still in the log count as pending', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [i * 10, 1000, 100, 1] as [number, number, number, number]);
    const h = evaluateHealth(series(rows, 700), WINDOW);
    expect(h).toEqual({ status: 'STALL', evidence: 'STALL: 1 member but no commit for 5 min while lag is 300' });
  });

  it('window: baseline is the newest sample at or before its start', () => {
    const { window, covered } = windowOf(every10s(400, () => 1, () => 1), WINDOW);
    expect(covered).toBe(true);
    expect(window[0]!.at).toBe(T0 + 100_000);
    expect(window.length).toBe(31);
  });
});
