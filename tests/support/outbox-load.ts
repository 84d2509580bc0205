// A stream of outbox writes for relay tests (batches of test.ThingHappened over a few
// subjects, 10 ms apart), and what the relay was to deliver: every outbox row's event id
// beside the event ids read from the topic.
import type pg from 'pg';
import type { Db } from '@/lib/adapters/prisma/client';
import { createOutboxWriter } from '@/lib/adapters/outbox/outbox-writer';
import { readAll } from './kafka';

export interface OutboxLoad {
  /** Batches committed so far. */
  written(): number;
  /** Batches whose transaction failed (retried after 100 ms). */
  failed(): number;
  /** Stops writing; resolves when the batch in flight ended. */
  stop(): Promise<void>;
}

export function startOutboxLoad(db: Db, topic: string, o: { source: string; batchSize: number; subjects: number }): OutboxLoad {
  const writer = createOutboxWriter({ source: o.source, topicFor: () => topic });
  let writing = true;
  let written = 0;
  let failed = 0;
  const loop = (async () => {
    while (writing) {
      try {
        await db.$transaction((tx) =>
          writer.append(
            tx,
            Array.from({ length: o.batchSize }, (_, j) => ({
              type: 'test.ThingHappened',
              version: 1,
              subject: `s-${(written * 7 + j) % o.subjects}`,
              data: { written, j },
            })),
          ),
        );
        written++;
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    written: () => written,
    failed: () => failed,
    async stop() {
      writing = false;
      await loop;
    },
  };
}

/** Every outbox row's event id, and the `ce-id`s read from the topic once it holds at least as many messages. */
export async function outboxAndTopicIds(pool: pg.Pool, topic: string): Promise<{ rows: string[]; onTopic: Set<string | undefined> }> {
  const { rows } = await pool.query<{ event_id: string }>('SELECT event_id::text FROM outbox_events');
  const read = await readAll(topic, { expected: rows.length, timeoutMs: 60_000 });
  return { rows: rows.map((r) => r.event_id), onTopic: new Set(read.map((m) => m.headers['ce-id'])) };
}
