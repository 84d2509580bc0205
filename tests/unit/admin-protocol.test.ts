// Kafka protocol pieces of the lag client (OffsetFetch v8, ListOffsets v2), byte by byte (the broker side is covered by
// tests/int/lag-client.test.ts against the real Kafka).
import { describe, expect, it } from 'vitest';
import {
  decodeListOffsetsV2,
  decodeOffsetFetchV8,
  encodeListOffsetsV2,
  encodeOffsetFetchV8,
  LATEST,
} from '@/lib/adapters/kafka/admin/admin-protocol';

const i16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return [...b];
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return [...b];
};
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return [...b];
};
const str = (s: string) => [s.length + 1, ...Buffer.from(s)];

describe('OffsetFetch v8', () => {
  it('encodes header tags, each group with null topics (= all), require_stable and tags', () => {
    expect([...encodeOffsetFetchV8(['ab', 'c'])]).toEqual([0, 3, ...str('ab'), 0, 0, ...str('c'), 0, 0, 0, 0]);
    expect([...encodeOffsetFetchV8([], true)]).toEqual([0, 1, 1, 0]);
  });

  it('writes lengths of 127 and more as multi-byte varints', () => {
    const id = 'g'.repeat(200); // compact length 201 = 0xc9 0x01
    expect([...encodeOffsetFetchV8([id]).subarray(0, 4)]).toEqual([0, 2, 0xc9, 0x01]);
  });

  it('decodes groups, topics, partitions and error codes; skips tagged fields it does not know', () => {
    const payload = Buffer.from([
      0, // response header tags
      ...i32(7), // throttle
      3, // two groups
      ...str('g1'),
      2, // one topic
      ...str('orders'),
      3, // two partitions
      ...i32(0),
      ...i64(42n),
      ...i32(-1),
      0 /* metadata null */,
      ...i16(0),
      0,
      ...i32(1),
      ...i64(-1n),
      ...i32(-1),
      ...str('meta'),
      ...i16(0),
      1,
      5,
      2,
      0xaa,
      0xbb, // one unknown tagged field (tag 5, 2 bytes)
      0, // topic tags
      ...i16(0), // group error
      0,
      ...str('g2'),
      1, // no topics
      ...i16(16), // NOT_COORDINATOR
      0,
      0, // top-level tags
    ]);
    expect(decodeOffsetFetchV8(payload)).toEqual({
      throttleTimeMs: 7,
      groups: [
        {
          groupId: 'g1',
          errorCode: 0,
          topics: [
            {
              topic: 'orders',
              partitions: [
                { partition: 0, offset: '42', errorCode: 0 },
                { partition: 1, offset: '-1', errorCode: 0 },
              ],
            },
          ],
        },
        { groupId: 'g2', errorCode: 16, topics: [] },
      ],
    });
  });

  it('rejects a truncated response instead of inventing figures', () => {
    const payload = Buffer.from([0, ...i32(0), 2, ...str('g1'), 2, ...str('t'), 2, ...i32(0), 0, 0]);
    expect(() => decodeOffsetFetchV8(payload)).toThrow(RangeError);
  });
});

describe('ListOffsets v2', () => {
  it('encodes replica -1, READ_UNCOMMITTED, each topic with its partitions at the timestamp', () => {
    expect([...encodeListOffsetsV2([{ topic: 'ab', partitions: [0, 3] }], LATEST)]).toEqual([
      ...i32(-1),
      0,
      ...i32(1),
      ...i16(2),
      ...Buffer.from('ab'),
      ...i32(2),
      ...i32(0),
      ...i64(-1n),
      ...i32(3),
      ...i64(-1n),
    ]);
  });

  it('decodes offsets and error codes per partition; rejects a truncated response', () => {
    const payload = Buffer.from([
      ...i32(0),
      ...i32(1),
      ...i16(1),
      ...Buffer.from('t'),
      ...i32(2),
      ...i32(0),
      ...i16(0),
      ...i64(-1n),
      ...i64(42n),
      ...i32(1),
      ...i16(6),
      ...i64(-1n),
      ...i64(-1n),
    ]);
    expect(decodeListOffsetsV2(payload)).toEqual([
      {
        topic: 't',
        partitions: [
          { partition: 0, errorCode: 0, offset: 42 },
          { partition: 1, errorCode: 6, offset: -1 },
        ],
      },
    ]);
    expect(() => decodeListOffsetsV2(payload.subarray(0, payload.length - 3))).toThrow(RangeError);
  });
});
