// Samples the running demo once a second from outside: the outbox backlog (rows
// not yet published, age of the oldest) from PostgreSQL and each consumer group's
// lag (log end minus committed offset, summed over partitions) from Kafka. Either
// side may be down during a fault: the sample then says so and the sampler
// reconnects. Recovery times are read off these samples (recoveredAt).
import pg from 'pg';
import type { Admin } from 'kafkajs';
import { createKafka } from '@/lib/adapters/kafka/kafka-client';
import { ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { demoConsumerNames } from '@/lib/config/consumers-env';

export interface Sample {
  at: number;
  pgUp: boolean;
  unpublished: number | null;
  oldestUnpublishedSeconds: number | null;
  outboxTotal: number | null;
  kafkaUp: boolean;
  /** Lag per consumer group (null when Kafka did not answer). */
  lag: Record<string, number> | null;
  /** Members per consumer group (null when Kafka did not answer). */
  members?: Record<string, number> | null;
}

export interface Monitor {
  samples: Sample[];
  latest(): Sample | undefined;
  stop(): Promise<void>;
}

export const GROUP_PREFIX = 'signalbox';
export const demoGroups = demoConsumerNames.map((name) => `${GROUP_PREFIX}.${name}`);

async function outboxFigures(pool: pg.Pool) {
  const { rows } = await pool.query<{ unpublished: number; oldest: number | null; total: string }>(
    `SELECT count(*)::int AS unpublished,
            extract(epoch FROM now() - min(created_at))::float8 AS oldest,
            (SELECT coalesce(max(position), 0) FROM outbox_events)::text AS total
       FROM outbox_events WHERE published_at IS NULL`,
  );
  return rows[0]!;
}

export async function groupLags(admin: Admin, groups: readonly string[]): Promise<Record<string, number>> {
  const ends = await admin.fetchTopicOffsets(ORDERS_TOPIC);
  const result: Record<string, number> = {};
  for (const groupId of groups) {
    const committed = await admin.fetchOffsets({ groupId, topics: [ORDERS_TOPIC] });
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let lag = 0;
    for (const end of ends) {
      const at = byPartition.get(end.partition) ?? -1;
      lag += Number(end.high) - (at < 0 ? Number(end.low) : at);
    }
    result[groupId] = lag;
  }
  return result;
}

export function startMonitor(options: { url: string; brokers: string[]; intervalMs?: number }): Monitor {
  const samples: Sample[] = [];
  const pool = new pg.Pool({ connectionString: options.url, max: 1, connectionTimeoutMillis: 2_000, statement_timeout: 5_000, application_name: 'signalbox-fault-monitor' });
  pool.on('error', () => {});
  pool.on('connect', (c) => c.on('error', () => {}));
  const kafka = createKafka({ brokers: options.brokers, clientId: 'fault-monitor', logLevel: 'silent', retry: { retries: 0, initialRetryTime: 100, maxRetryTime: 500 } });
  let admin: Admin | null = null;
  let running = true;
  const withTimeout = <T>(p: Promise<T>, ms: number) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const sample: Sample = { at: started, pgUp: false, unpublished: null, oldestUnpublishedSeconds: null, outboxTotal: null, kafkaUp: false, lag: null };
      const pgPart = withTimeout(outboxFigures(pool), 3_000).then(
        (f) => {
          sample.pgUp = true;
          sample.unpublished = f.unpublished;
          sample.oldestUnpublishedSeconds = f.oldest ?? 0;
          sample.outboxTotal = Number(f.total);
        },
        () => undefined,
      );
      const kafkaPart = (async () => {
        try {
          if (!admin) {
            const a = kafka.admin();
            await withTimeout(a.connect(), 3_000);
            admin = a;
          }
          sample.lag = await withTimeout(groupLags(admin, demoGroups), 3_000);
          sample.members = await withTimeout(admin.describeGroups(demoGroups), 3_000).then(
            ({ groups }) => Object.fromEntries(groups.map((g) => [g.groupId, g.members.length])),
            () => null,
          );
          sample.kafkaUp = true;
        } catch {
          const a = admin;
          admin = null;
          await (a as Admin | null)?.disconnect().catch(() => undefined);
        }
      })();
      await Promise.all([pgPart, kafkaPart]);
      samples.push(sample);
      const wait = (options.intervalMs ?? 1_000) - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();

  return {
    samples,
    latest: () => samples[samples.length - 1],
    async stop() {
      running = false;
      await loop;
      await (admin as Admin | null)?.disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** Largest lag of any demo group in a sample (null when Kafka did not answer). */
export function maxLag(sample: Sample): number | null {
  return sample.lag ? Math.max(0, ...Object.values(sample.lag)) : null;
}

/**
 * Caught up: PostgreSQL and Kafka answer, the oldest unpublished row is younger than
 * maxUnpublishedAgeSeconds, and no group lags by more than maxLag messages.
 */
export function caughtUp(sample: Sample, limits: { maxLag: number; maxUnpublishedAgeSeconds: number }): boolean {
  const lag = maxLag(sample);
  return sample.pgUp && sample.kafkaUp && lag !== null && lag <= limits.maxLag && (sample.oldestUnpublishedSeconds ?? Infinity) <= limits.maxUnpublishedAgeSeconds;
}

/** The first time at or after `from` that starts `sustain` consecutive caught-up samples; null if none. */
export function recoveredAt(samples: readonly Sample[], from: number, limits: { maxLag: number; maxUnpublishedAgeSeconds: number }, sustain = 3): number | null {
  const after = samples.filter((s) => s.at >= from);
  for (let i = 0; i + sustain <= after.length; i++) {
    if (after.slice(i, i + sustain).every((s) => caughtUp(s, limits))) return after[i]!.at;
  }
  return null;
}
