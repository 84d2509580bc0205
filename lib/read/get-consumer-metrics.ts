// /api/metrics: the Consumers screens' figures in Prometheus text exposition (prom-client),
// from the same sample rows the screens read (never from Kafka). Labelled by group and
// topic, never by partition: 1,000 groups × 12 partitions stay ~1,000 series per metric
// (plus one per group and topic, and the six-state status set per group).
import { Gauge, Registry } from 'prom-client';
import type { Db } from '../adapters/prisma/client';
import { isReplayTopic } from '../backbone/consumer-definition';
import { LAG_STATUSES } from './consumer-view';
import { getConsumersOverview } from './get-consumers-overview';
import { latestLagRows } from './latest-lag-rows';

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return new Gauge({ name: `signalbox_${name}`, help, labelNames, registers: [registry] });
}

/** A fresh Registry per scrape: no state kept between scrapes, a vanished group vanishes from the output. */
export async function getConsumerMetrics(db: Db, now: Date): Promise<{ contentType: string; text: string }> {
  const [rows, overview, dlq] = await Promise.all([
    latestLagRows(db),
    getConsumersOverview(db, now),
    db.$queryRaw<Array<{ consumer: string; open: bigint }>>`SELECT consumer, count(*) AS open FROM dlq_messages WHERE status = 'open' GROUP BY 1`,
  ]);
  const registry = new Registry();
  const lag = gauge(registry, 'consumer_lag_messages', 'Messages behind on the main topics (high watermark − committed), latest sample.', ['group']);
  const topicLag = gauge(registry, 'consumer_topic_lag_messages', 'Messages behind per main topic (sum over its partitions), latest sample.', ['group', 'topic']);
  const replayLag = gauge(registry, 'consumer_replay_lag_messages', 'Messages behind on the replay topic (reported apart from lag).', ['group']);
  const seconds = gauge(registry, 'consumer_lag_seconds', 'Seconds behind: age of the first unconsumed message, worst partition.', ['group', 'source']);
  const status = gauge(registry, 'consumer_status', 'Health status over the sampler window: 1 for the current status, 0 for the others.', ['group', 'status']);
  const members = gauge(registry, 'consumer_members', 'Members of the group at the latest sample.', ['group']);
  const groups = gauge(registry, 'consumer_groups', 'Consumer groups per status.', ['status']);
  for (const r of rows) {
    if (r.lag !== null) lag.set({ group: r.groupId }, r.lag);
    if (r.replayLag !== null) replayLag.set({ group: r.groupId }, r.replayLag);
    if (r.secondsBehind !== null) seconds.set({ group: r.groupId, source: r.secondsSource ?? 'unknown' }, r.secondsBehind);
    members.set({ group: r.groupId }, r.members);
    for (const s of LAG_STATUSES) status.set({ group: r.groupId, status: s }, r.status === s ? 1 : 0);
    const perTopic = new Map<string, number>();
    for (const [topic, , logStart, end, committed] of r.partitions) {
      if (isReplayTopic(topic)) continue;
      // Same rule as the sampler's totals: a no-commit partition counts what is in the log.
      perTopic.set(topic, (perTopic.get(topic) ?? 0) + Math.max(0, end - Math.max(committed ?? logStart, logStart)));
    }
    for (const [topic, n] of perTopic) topicLag.set({ group: r.groupId, topic }, n);
  }
  for (const [s, n] of Object.entries(overview.groups.byStatus)) groups.set({ status: s }, n);
  const dlqOpen = gauge(registry, 'dlq_open_messages', 'Open dead-lettered messages per consumer.', ['consumer']);
  for (const d of dlq) dlqOpen.set({ consumer: d.consumer }, Number(d.open));
  const o = overview.outbox;
  if (o.backlog !== null) gauge(registry, 'outbox_backlog', 'Unpublished outbox rows at the latest sample.').set(o.backlog);
  gauge(registry, 'outbox_oldest_unpublished_age_seconds', 'Age of the oldest unpublished outbox row (0 when none).').set(o.oldestAgeSeconds ?? 0);
  if (o.relayRate !== null) gauge(registry, 'relay_published_per_second', 'Outbox rows published per second over the last 5 min.').set(o.relayRate);
  const age = (f: { ageSeconds: number | null }) => f.ageSeconds ?? -1;
  gauge(registry, 'sampler_age_seconds', 'Seconds since the active lag sampler last beat (-1: never).').set(age(overview.sampler));
  gauge(registry, 'sampler_kafka_reachable', '1 when the sampler reached Kafka at its last tick.').set(overview.sampler.kafka ? 0 : 1);
  gauge(registry, 'relay_heartbeat_age_seconds', 'Seconds since an outbox relay last beat (-1: never).').set(age(overview.relay));
  return { contentType: registry.contentType, text: await registry.metrics() };
}
