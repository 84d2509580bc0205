// kafkajs client construction and topic administration. Topics are created by
// our own admin code with explicit partition counts; broker auto-creation is off.
import { Kafka, logLevel as KafkaLogLevel, type Admin, type ITopicConfig, type RetryOptions } from 'kafkajs';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * kafkajs's client-wide retries (connecting, metadata; producers and consumers start
   * from it). Defaults to DEFAULT_KAFKA_RETRY: about 20 s against a dead broker. A
   * process with its own backoff (the outbox relay) passes fewer.
   */
  retry?: RetryOptions;
}

export const DEFAULT_KAFKA_RETRY: RetryOptions = { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 };

const levels = { debug: KafkaLogLevel.DEBUG, info: KafkaLogLevel.INFO, warn: KafkaLogLevel.WARN, error: KafkaLogLevel.ERROR, silent: KafkaLogLevel.NOTHING };

export function createKafka(options: KafkaOptions): Kafka {
  // kafkajs logs at INFO for every group join; keep its chatter at warn unless asked.
  const level = options.logLevel === 'debug' || options.logLevel === 'error' || options.logLevel === 'silent' ? options.logLevel : 'warn';
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: levels[level],
    retry: options.retry ?? DEFAULT_KAFKA_RETRY,
    connectionTimeout: 3_000,
  });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  config?: Record<string, string>;
}

/** Creates the topics that are missing, with explicit partition counts. Existing ones are left as they are. */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((s) => !existing.has(s.topic))
    .map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      replicationFactor: -1, // the broker's default (1 locally, 3 on a real cluster)
      configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
    }));
  if (missing.length === 0) return [];
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}

/** Kafka headers arrive as Buffers (or arrays of them); the runtime works with strings. */
export function headersToStrings(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    out[key] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}
