// The lag sampler's loop: every interval, beat the heartbeat; if this instance holds the
// sampler lock, take a sample, fold rollups and apply retention; otherwise try to take
// the lock (a standby takes over within one interval when the active one dies).
import type pg from 'pg';
import type { Admin, Kafka } from 'kafkajs';
import { isReplayTopic } from '../backbone/consumer-definition';
import { keepOrTakeLeadership, SAMPLER_LOCK, type Leadership } from '../adapters/prisma/sampler-lock';
import { beat, pruneSamples, recentLagSamples, rollUp } from '../adapters/prisma/samples-store';
import { LagHistory } from '../domain/lag/history';
import { partitionLag } from '../domain/lag/partition-lag';
import { errorMessageOf } from '../errors';
import { startPeriodicTicks } from './periodic-ticks';
import { sampleLag, type TickResult } from './sample-lag';

export const SAMPLER_KIND = 'lag-sampler';

export interface SampleLoopOptions {
  pool: pg.Pool;
  kafka: Kafka;
  admin: Admin;
  instance: string;
  groupPrefix: string | null;
  intervalMs: number;
  windowMs: number;
  rawRetentionMs: number;
  rollupRetentionMs: number;
  concurrency: number;
  now?: () => Date;
  logger: { info(line: string): void; warn(line: string): void };
}

export interface SampleLoop {
  isActive(): boolean;
  /** Resolves after the next completed tick (tests). */
  nextTick(): Promise<TickResult | null>;
  stop(): Promise<void>;
}

async function restore(pool: pg.Pool, history: LagHistory, since: Date): Promise<void> {
  for (const r of await recentLagSamples(pool, since)) {
    const partitions = r.partitions
      .filter(([topic]) => !isReplayTopic(topic))
      .map(([topic, partition, logStart, end, committed]) => partitionLag({ topic, partition, logStart, end, committed }));
    history.add(r.group_id, { at: r.at.getTime(), readable: !(r.status === 'ERR' && partitions.length === 0), members: r.members, partitions });
  }
}

export function startSampleLoop(o: SampleLoopOptions): SampleLoop {
  const now = o.now ?? (() => new Date());
  const history = new LagHistory(o.windowMs + 2 * o.intervalMs);
  const timestampCache = new Map<string, number>();
  let leadership: Leadership | null = null;
  let previousAt: Date | null = null;
  // When Kafka became unreachable (kept while it stays so): the console says "since …".
  let kafkaErrorSince: string | null = null;
  let waiters: ((r: TickResult | null) => void)[] = [];

  async function tick(): Promise<void> {
    const started = Date.now();
    let result: TickResult | null = null;
    let error: string | null = null;
    try {
      const step = await keepOrTakeLeadership(o.pool, leadership, SAMPLER_LOCK, `lag sampler ${o.instance}`, o.logger);
      leadership = step.leadership;
      if (step.gained) await restore(o.pool, history, new Date(now().getTime() - o.windowMs - 2 * o.intervalMs));
      if (leadership) {
        if (timestampCache.size > 50_000) timestampCache.clear();
        result = await sampleLag({ admin: o.admin, kafka: o.kafka, db: o.pool, history, timestampCache, groupPrefix: o.groupPrefix, windowMs: o.windowMs, concurrency: o.concurrency, now, previousAt });
        previousAt = result.at;
        await rollUp(o.pool, new Date(result.at.getTime() - 2 * 60_000));
        await pruneSamples(o.pool, new Date(result.at.getTime() - o.rawRetentionMs), new Date(result.at.getTime() - o.rollupRetentionMs));
      }
    } catch (e) {
      error = errorMessageOf(e);
      o.logger.warn(`lag sampler ${o.instance}: tick failed: ${error}`);
    }
    if (result) kafkaErrorSince = result.kafkaError ? (kafkaErrorSince ?? result.at.toISOString()) : null;
    const details = { role: leadership ? 'active' : 'standby', intervalMs: o.intervalMs, tickMs: Date.now() - started, groups: result?.groups ?? null, statuses: result?.statuses ?? null, kafkaError: result?.kafkaError ?? null, kafkaErrorSince: result?.kafkaError ? kafkaErrorSince : null, error };
    await beat(o.pool, SAMPLER_KIND, o.instance, details).catch((e) => o.logger.warn(`lag sampler ${o.instance}: heartbeat failed: ${errorMessageOf(e)}`));
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve(result);
  }

  const ticker = startPeriodicTicks(tick, o.intervalMs);

  return {
    isActive: () => leadership !== null,
    nextTick: () => new Promise((resolve) => waiters.push(resolve)),
    async stop() {
      await ticker.stop();
      await leadership?.release().catch(() => {});
      leadership = null;
      for (const resolve of waiters) resolve(null);
    },
  };
}
