// Kafka requests kafkajs 2.2.4 does not encode well enough for a 1,000-group snapshot.
//
// OffsetFetch v8 (KIP-709): committed offsets of MANY groups in one request, which
// kafkajs 2.2.4 does not speak (its OffsetFetch stops at v4: one group per request).
// Pure encoding and decoding; lag-client.ts sends it through a kafkajs broker connection.
//
// v8 is a "flexible" version: compact strings/arrays (unsigned varint length + 1) and
// tagged-field buffers. It also needs request header v2, which is kafkajs's header v1
// followed by an empty tagged-field buffer, so the body starts with that one 0 byte;
// the response header v1 likewise ends with a tagged-field buffer, which the decoder
// skips first (kafkajs hands over everything after the correlation id).
//
//   OffsetFetch Request (Version: 8) => [groups] require_stable TAG_BUFFER
//     groups => group_id [topics] TAG_BUFFER        (topics null = every topic)
//   OffsetFetch Response (Version: 8) => throttle_time_ms [groups] TAG_BUFFER
//     groups => group_id [topics] error_code TAG_BUFFER
//       topics => name [partitions] TAG_BUFFER
//         partitions => partition_index committed_offset committed_leader_epoch metadata error_code TAG_BUFFER

export const OFFSET_FETCH_API_KEY = 9;
export const OFFSET_FETCH_MULTI_GROUP_VERSION = 8;

export interface GroupOffsets {
  groupId: string;
  /** Kafka error code for the whole group (0 = none). */
  errorCode: number;
  topics: { topic: string; partitions: { partition: number; offset: string; errorCode: number }[] }[];
}

function uvarint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function compactString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from(uvarint(bytes.length + 1)), bytes]);
}

/** The request body, request-header tagged fields included (see above). All topics of each group. */
export function encodeOffsetFetchV8(groupIds: readonly string[], requireStable = false): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.from(uvarint(groupIds.length + 1))];
  for (const id of groupIds) parts.push(compactString(id), Buffer.from([0 /* topics: null */, 0 /* tags */]));
  parts.push(Buffer.from([requireStable ? 1 : 0, 0 /* tags */]));
  return Buffer.concat(parts);
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.buf.length) throw new RangeError('OffsetFetch v8: response ends inside a varint');
      const b = this.buf[this.at++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new RangeError('OffsetFetch v8: varint too long');
    }
  }
  private need(n: number) {
    if (this.at + n > this.buf.length) throw new RangeError('OffsetFetch v8: response shorter than its fields');
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  int64(): string {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.at);
    this.at += 8;
    return v.toString();
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    this.need(n - 1);
    const s = this.buf.toString('utf8', this.at, this.at + n - 1);
    this.at += n - 1;
    return s;
  }
  compactString(): string {
    return this.compactNullableString() ?? '';
  }
  compactArray<T>(item: () => T): T[] {
    const n = this.uvarint();
    if (n === 0) return [];
    const out: T[] = [];
    for (let i = 0; i < n - 1; i++) out.push(item());
    return out;
  }
  skipTags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint(); // tag
      const size = this.uvarint();
      this.need(size);
      this.at += size;
    }
  }
}

/** Decodes the response payload kafkajs hands over (everything after the correlation id). */
export function decodeOffsetFetchV8(payload: Buffer): { throttleTimeMs: number; groups: GroupOffsets[] } {
  const r = new Reader(payload);
  r.skipTags(); // response header v1
  const throttleTimeMs = r.int32();
  const groups = r.compactArray((): GroupOffsets => {
    const groupId = r.compactString();
    const topics = r.compactArray(() => {
      const topic = r.compactString();
      const partitions = r.compactArray(() => {
        const partition = r.int32();
        const offset = r.int64();
        r.int32(); // committed_leader_epoch
        r.compactNullableString(); // metadata
        const errorCode = r.int16();
        r.skipTags();
        return { partition, offset, errorCode };
      });
      r.skipTags();
      return { topic, partitions };
    });
    const errorCode = r.int16();
    r.skipTags();
    return { groupId, errorCode, topics };
  });
  r.skipTags();
  return { throttleTimeMs, groups };
}

// ListOffsets v2, for the same reason: kafkajs builds its request from one small encoder
// per partition and copies every answered partition (object rest), ~20 ms of CPU per
// snapshot for 2 × 2,400 partitions. Non-flexible (header v1, kafkajs's own).
//   ListOffsets Request (Version: 2) => replica_id isolation_level [topics]
//     topics => name [partitions]; partitions => partition_index timestamp
//   ListOffsets Response (Version: 2) => throttle_time_ms [topics]
//     topics => name [partitions]; partitions => partition_index error_code timestamp offset

export const LIST_OFFSETS_API_KEY = 2;
export const LIST_OFFSETS_VERSION = 2;
/** ListOffsets timestamps: the log start and the high watermark. */
export const EARLIEST = -2n;
export const LATEST = -1n;

/** Request body; READ_UNCOMMITTED, so LATEST is the high watermark (as Kafka's consumer-groups tool reads it). */
export function encodeListOffsetsV2(topics: readonly { topic: string; partitions: readonly number[] }[], timestamp: bigint): Buffer {
  let size = 4 + 1 + 4;
  const names = topics.map((t) => Buffer.from(t.topic, 'utf8'));
  topics.forEach((t, i) => (size += 2 + names[i]!.length + 4 + t.partitions.length * 12));
  const buf = Buffer.alloc(size);
  let at = buf.writeInt32BE(-1, 0); // replica_id: a client
  at = buf.writeInt8(0, at); // isolation_level: READ_UNCOMMITTED
  at = buf.writeInt32BE(topics.length, at);
  topics.forEach((t, i) => {
    at = buf.writeInt16BE(names[i]!.length, at);
    at += names[i]!.copy(buf, at);
    at = buf.writeInt32BE(t.partitions.length, at);
    for (const p of t.partitions) {
      at = buf.writeInt32BE(p, at);
      at = buf.writeBigInt64BE(timestamp, at);
    }
  });
  return buf;
}

export interface ListedOffsets {
  topic: string;
  partitions: { partition: number; errorCode: number; offset: number }[];
}

export function decodeListOffsetsV2(payload: Buffer): ListedOffsets[] {
  let at = 0;
  const need = (n: number) => {
    if (at + n > payload.length) throw new RangeError('ListOffsets v2: response shorter than its fields');
  };
  const int32 = () => {
    need(4);
    const v = payload.readInt32BE(at);
    at += 4;
    return v;
  };
  need(4);
  at += 4; // throttle_time_ms
  const topics: ListedOffsets[] = [];
  for (let t = int32(); t > 0; t--) {
    need(2);
    const len = payload.readInt16BE(at);
    at += 2;
    need(len);
    const topic = payload.toString('utf8', at, at + len);
    at += len;
    const partitions: ListedOffsets['partitions'] = [];
    for (let p = int32(); p > 0; p--) {
      need(22);
      const partition = payload.readInt32BE(at);
      const errorCode = payload.readInt16BE(at + 4);
      const offset = Number(payload.readBigInt64BE(at + 14)); // after timestamp (8 bytes)
      at += 22;
      partitions.push({ partition, errorCode, offset });
    }
    topics.push({ topic, partitions });
  }
  return topics;
}
