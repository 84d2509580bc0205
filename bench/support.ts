// Shared pieces of the benchmarks: payloads of 256 B – 1 KB, a throw-away
// database and topic, percentiles.
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import pg from 'pg';
import { createKafka, ensureTopics } from '../lib/adapters/kafka/kafka-client';
import { testServerUrl } from '../tests/support/database';
import type { NewEvent } from '../lib/domain/events/envelope';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const PARTITIONS = 12;

/** An OrderPlaced fact whose serialized envelope is 256 B – 1 KB (padding in an extra field the schema ignores). */
export function benchEvent(n: number): NewEvent & { data: Record<string, unknown> } {
  const orderId = uuidv7();
  const pad = 'x'.repeat((n * 7919) % 480); // envelopes of about 540–1,020 B
  return {
    type: 'orders.OrderPlaced',
    version: 2,
    subject: orderId,
    data: { orderId, customerId: `c-${n % 500}`, amountCents: 100 + (n % 10_000), currency: 'EUR', channel: 'api', note: pad },
  };
}

export async function createBenchTopic(prefix: string) {
  const topic = `bench-${prefix}-${randomUUID().slice(0, 8)}`;
  const kafka = createKafka({ brokers, clientId: `bench-${prefix}` });
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: PARTITIONS }]);
  return {
    kafka,
    topic,
    async cleanup(extra: string[] = []) {
      await admin.deleteTopics({ topics: [topic, ...extra] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** A database on the test server (tests/support/database.ts picks it), by name. */
export async function urlOf(database: string): Promise<string> {
  const u = new URL(await testServerUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

/** One pg connection for `run`, always closed. */
export async function withClient<T>(url: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A progress line with its UTC time. */
export const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
