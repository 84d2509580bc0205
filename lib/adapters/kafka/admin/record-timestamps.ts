// Record timestamps of given messages, for topics the outbox does not feed. kafkajs has
// no fetch-at-offset outside a consumer group, so a short-lived consumer with a throw-away
// group seeks each partition to its offset, keeps the first message at or after it,
// leaves and deletes its group. Callers cache results: a message's timestamp never changes.
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** Groups named so are the sampler's own peeks: never listed as consumers. */
export const PEEK_GROUP_PREFIX = '__signalbox-lag-peek.';

export interface Coordinate {
  topic: string;
  partition: number;
  offset: number;
}

export const coordKey = (c: Coordinate) => `${c.topic}/${c.partition}/${c.offset}`;

export async function fetchRecordTimestamps(kafka: Kafka, wanted: readonly Coordinate[], timeoutMs = 5_000): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (wanted.length === 0) return found;
  const groupId = `${PEEK_GROUP_PREFIX}${randomBytes(6).toString('hex')}`;
  const want = new Map(wanted.map((c) => [`${c.topic}/${c.partition}`, c]));
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, allowAutoTopicCreation: false, retry: { retries: 2 } });
  const admin = kafka.admin();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(wanted.map((c) => c.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const c = want.get(`${batch.topic}/${batch.partition}`);
        if (!c || found.has(coordKey(c))) return;
        // The first message at or after the offset (a compacted log may skip offsets).
        const m = batch.messages.find((x) => Number(x.offset) >= c.offset);
        if (!m) return;
        found.set(coordKey(c), Number(m.timestamp));
        consumer.pause([{ topic: c.topic, partitions: [c.partition] }]);
        if (found.size === want.size) done();
      },
    });
    for (const c of wanted) consumer.seek({ topic: c.topic, partition: c.partition, offset: String(c.offset) });
    await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  } finally {
    await consumer.disconnect().catch(() => {});
    await admin.connect().then(() => admin.deleteGroups([groupId])).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
  return found;
}
