// Sequenced dead-lettering, the pure rules (lib/domain/dlq/sequencing.ts): which head an
// event waits behind, a replay batch with each head's parked events after it, and the
// order released events are put back in when their head is discarded.
import { describe, expect, it } from 'vitest';
import { afterHeadResolved, blockerOf, comparePositions, headsBySubject, releasePlan, withFollowers } from '@/lib/domain/dlq/sequencing';

const at = (offset: number | string, partition = 0, topic = 'orders') => ({ topic, partition, offset: String(offset) });

describe('sequencing rules', () => {
  it('orders positions by topic, partition, then offset as a 64-bit number (not as text)', () => {
    expect(comparePositions(at(9), at(10))).toBeLessThan(0);
    expect(comparePositions(at('9007199254740993'), at('9007199254740992'))).toBeGreaterThan(0);
    expect(comparePositions(at(5, 1), at(6, 0))).toBeGreaterThan(0);
    expect(comparePositions({ ...at(3), offset: 3n }, at(3))).toBe(0);
  });

  it('keeps the earliest blocking row of each subject', () => {
    const heads = headsBySubject([
      { id: 'b', subject: 's1', ...at(20) },
      { id: 'a', subject: 's1', ...at(10) },
      { id: 'c', subject: 's2', ...at(15) },
    ]);
    expect(heads.get('s1')?.id).toBe('a');
    expect(heads.get('s2')?.id).toBe('c');
  });

  it('parks a later event behind its subject’s head; not its own row, not an earlier event, not another subject', () => {
    const heads = headsBySubject([{ id: 'h', subject: 's', ...at(10) }]);
    expect(blockerOf({ subject: 's', position: at(11), ownDlqId: null }, heads)).toBe('h');
    expect(blockerOf({ subject: 's', position: at(10), ownDlqId: 'h' }, heads)).toBeNull(); // the head's own replay
    expect(blockerOf({ subject: 's', position: at(10), ownDlqId: null }, heads)).toBeNull(); // a redelivery of the head's message
    expect(blockerOf({ subject: 's', position: at(9), ownDlqId: null }, heads)).toBeNull(); // an earlier event redelivered
    expect(blockerOf({ subject: 'other', position: at(11), ownDlqId: null }, heads)).toBeNull();
    expect(blockerOf({ subject: null, position: at(11), ownDlqId: null }, heads)).toBeNull();
  });

  it('sends each head’s parked events right after it, in original order, each row once', () => {
    const row = (id: string, offset: number, parkedBehind: string | null = null) => ({ id, parkedBehind, ...at(offset) });
    const heads = [row('h1', 1), row('h2', 2)];
    const followers = [row('f13', 13, 'h1'), row('f11', 11, 'h1'), row('f2', 12, 'h2'), row('h2', 2)];
    expect(withFollowers(heads, followers).map((r) => r.id)).toEqual(['h1', 'f11', 'f13', 'h2', 'f2']);
  });

  it('releases per consumer and subject: the earliest becomes the head, the rest wait behind it', () => {
    const row = (id: string, offset: number, subject: string, consumer = 'n') => ({ id, consumer, subject, ...at(offset) });
    const plan = releasePlan([row('c', 30, 's'), row('a', 10, 's'), row('b', 20, 's'), row('x', 25, 't'), row('y', 5, 's', 'other')]);
    expect(plan.heads.map((h) => h.id)).toEqual(['y', 'a', 'x']);
    expect(plan.behind).toEqual([{ id: 'b', head: 'a' }, { id: 'c', head: 'a' }]);
  });
});

describe('after a head is resolved', () => {
  const row = (id: string, offset: number, status: string) => ({ id, status, topic: 'orders', partition: 0, offset: String(offset) });
  it('events parked after the replay was sent follow the last one in flight', () => {
    expect(afterHeadResolved([row('late', 30, 'parked'), row('f1', 10, 'replaying'), row('f2', 20, 'replaying')])).toEqual({ open: null, behind: [{ id: 'late', head: 'f2' }] });
  });
  it('with none in flight, the earliest becomes open and the rest wait behind it', () => {
    expect(afterHeadResolved([row('b', 20, 'parked'), row('a', 10, 'parked')])).toEqual({ open: 'a', behind: [{ id: 'b', head: 'a' }] });
  });
  it('nothing to do when all of them are in flight', () => {
    expect(afterHeadResolved([row('f1', 10, 'replaying')])).toEqual({ open: null, behind: [] });
  });
});
