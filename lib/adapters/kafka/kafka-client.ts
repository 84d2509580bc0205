// kafkajs client construction and topic administration. Topics are created by
// our own admin code with explicit partition counts; broker auto-creation is off.
import { Kafka, logLevel as KafkaLogLevel, type Admin, type ITopicConfig, type logCreator, type RetryOptions } from 'kafkajs';

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

const levels = {
  debug: KafkaLogLevel.DEBUG,
  info: KafkaLogLevel.INFO,
  warn: KafkaLogLevel.WARN,
  error: KafkaLogLevel.ERROR,
  silent: KafkaLogLevel.NOTHING,
};

export function createKafka(options: KafkaOptions): Kafka {
  // kafkajs logs at INFO for every group join; keep its chatter at warn unless asked.
  const level = options.logLevel === 'debug' || options.logLevel === 'error' || options.logLevel === 'silent' ? options.logLevel : 'warn';
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: levels[level],
    logCreator: kafkaLogCreator({ startedAt: Date.now() }),
    retry: options.retry ?? DEFAULT_KAFKA_RETRY,
    connectionTimeout: 3_000,
  });
}

// kafkajs's logLevel is a plain object at run time (no reverse mapping).
const levelNames: Record<number, string> = {
  [KafkaLogLevel.ERROR]: 'ERROR',
  [KafkaLogLevel.WARN]: 'WARN',
  [KafkaLogLevel.INFO]: 'INFO',
  [KafkaLogLevel.DEBUG]: 'DEBUG',
};

/** How long after a client is made coordinator and metadata errors count as start-up noise. */
export const STARTUP_GRACE_MS = 60_000;

// Error responses kafkajs logs at ERROR and then retries by itself, which a healthy
// start produces routinely: the group coordinator is still loading its offsets topic,
// leaders are being elected, or a topic another process is creating right now is not
// in the metadata yet. While the client is young they are logged at debug; later (or
// if kafkajs gives up, which our own code then reports) they stay errors.
const STARTUP_TRANSIENT = [
  /group coordinator is not available/i,
  /coordinator is loading/i,
  /not the correct coordinator/i,
  /no leader for this topic-partition/i,
  /does not host this topic-partition/i,
];
// Our idempotent producer (the relay's) bounds its retries on purpose and, after a
// failed send, is replaced by a new one (new producer id), so kafkajs's warning that
// limited retries may break exactly-once sequencing does not apply: it is debug.
const NOT_APPLICABLE_WARNINGS = [/Limiting retries for the idempotent producer/];

export function kafkaLogCreator(options: {
  startedAt: number;
  now?: () => number;
  write?: (line: string, level: KafkaLogLevel) => void;
}): logCreator {
  const now = options.now ?? Date.now;
  const write =
    options.write ?? ((line: string, level: KafkaLogLevel) => (level <= KafkaLogLevel.WARN ? console.error(line) : console.log(line)));
  return (configured) =>
    ({ namespace, level, log }) => {
      const { message, timestamp, logger: _logger, ...extra } = log;
      const text = `${message} ${typeof extra.error === 'string' ? extra.error : ''}`;
      const downgrade =
        (level <= KafkaLogLevel.ERROR && now() - options.startedAt < STARTUP_GRACE_MS && STARTUP_TRANSIENT.some((p) => p.test(text))) ||
        (level === KafkaLogLevel.WARN && NOT_APPLICABLE_WARNINGS.some((p) => p.test(text)));
      const effective = downgrade ? KafkaLogLevel.DEBUG : level;
      if (effective > configured) return;
      write(
        JSON.stringify({
          level: levelNames[effective] ?? String(effective),
          timestamp,
          logger: 'kafkajs',
          message: `[${namespace}] ${message}`,
          ...extra,
        }),
        effective,
      );
    };
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
  const names = missing.map((t) => t.topic);
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Created (by us or a process starting alongside) but not in every metadata view
    // yet: KRaft brokers answer "does not host this topic-partition" for a moment.
    if (!isTopicSettling(error)) throw error;
    await waitForLeaders(admin, names);
  }
  return names;
}

const SETTLING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'TOPIC_ALREADY_EXISTS']);

function isTopicSettling(error: unknown): boolean {
  const e = error as { type?: string; errors?: { type?: string }[] };
  return (
    SETTLING.has(e.type ?? '') || (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => SETTLING.has(x.type ?? '')))
  );
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(2_000, delay * 2)) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (!isTopicSettling(error) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Kafka headers arrive as Buffers (or arrays of them); the runtime works with strings. */
export function headersToStrings(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    out[key] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}
