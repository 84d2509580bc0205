import { describe, expect, it } from 'vitest';
import { assignPlacements, claimablePrefix, toRelayMessage } from '@/lib/adapters/outbox/relay-messages';

describe('assignPlacements', () => {
  it('numbers the messages of each partition from its base offset, in request order', () => {
    const sent = [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 1 },
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 0 },
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 1 },
    ];
    const results = [
      { topicName: 'a', partition: 1, baseOffset: '7' },
      { topicName: 'a', partition: 0, baseOffset: '100' },
      { topicName: 'b', partition: 0, baseOffset: '0' },
    ];
    expect(assignPlacements(sent, results)).toEqual([
      { partition: 0, offset: '100' },
      { partition: 1, offset: '7' },
      { partition: 0, offset: '101' },
      { partition: 0, offset: '0' },
      { partition: 0, offset: '102' },
      { partition: 1, offset: '8' },
    ]);
  });

  it('keeps 64-bit offsets exact', () => {
    const placements = assignPlacements(
      [
        { topic: 'a', partition: 2 },
        { topic: 'a', partition: 2 },
      ],
      [{ topicName: 'a', partition: 2, baseOffset: '9007199254740993' }],
    );
    expect(placements.map((p) => p.offset)).toEqual(['9007199254740993', '9007199254740994']);
  });

  it('refuses a response without the partition a message went to', () => {
    expect(() => assignPlacements([{ topic: 'a', partition: 3 }], [{ topicName: 'a', partition: 0, baseOffset: '1' }])).toThrow(/a\[3\]/);
    expect(() => assignPlacements([{ topic: 'a', partition: 0 }], [{ topicName: 'a', partition: 0, baseOffset: '-1' }])).toThrow();
  });
});

describe('claimablePrefix', () => {
  const row = (position: number, lane: number, locked = true) => ({ position: String(position), lane, locked });

  it('keeps everything when nothing was skipped', () => {
    const rows = [row(1, 0), row(2, 5), row(3, 0)];
    expect(claimablePrefix(rows)).toEqual(rows);
  });

  it('stops a lane at its first skipped row, leaving other lanes alone', () => {
    const rows = [row(1, 0), row(2, 5), row(3, 0, false), row(4, 5), row(5, 0), row(6, 0)];
    expect(claimablePrefix(rows).map((r) => r.position)).toEqual(['1', '2', '4']);
  });
});

describe('toRelayMessage', () => {
  const row = {
    eventId: '0190f0e2-5a2b-7c3d-8e4f-123456789abc',
    type: 'orders.OrderPlaced',
    version: 2,
    subject: 'order-1',
    envelope: '{"id": "0190f0e2-5a2b-7c3d-8e4f-123456789abc"}',
    headers: { 'x-tenant': 'acme', 'ce-id': 'spoofed', n: 5 },
  };
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('keys by subject, sends the stored envelope, and carries trace and CloudEvents headers', () => {
    expect(toRelayMessage(row, traceparent)).toEqual({
      key: 'order-1',
      value: row.envelope,
      headers: {
        'x-tenant': 'acme',
        traceparent,
        'ce-id': row.eventId,
        'ce-type': 'orders.OrderPlaced',
        'ce-version': '2',
        'content-type': 'application/json',
      },
    });
  });
});
