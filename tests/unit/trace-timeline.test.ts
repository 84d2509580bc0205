// The pure timeline builder: step order, lanes, causation tree and missing-step reasons
// from hand-made rows (the integration test builds the same from a real flow).
import { describe, expect, it } from 'vitest';
import { buildTimeline } from '@/lib/domain/trace/build-timeline';
import type { FlowAttempt, FlowEvent, FlowInput } from '@/lib/domain/trace/flow-types';

const t = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s));
const ids = { placed: 'e0000000-0000-4000-8000-000000000001', paid: 'e0000000-0000-4000-8000-000000000002', dlq: 'd0000000-0000-4000-8000-000000000001' };

function event(id: string, type: string, position: string, causationId: string | null, at: number, published: number | null): FlowEvent {
  return {
    eventId: id, position, type, subject: 'o-1', traceId: 'a'.repeat(32), causationId, correlationId: null, topic: 'orders', partition: 0,
    offset: position, createdAt: t(at), publishedAt: published === null ? null : t(published), publishAttempts: published === null ? 2 : 1,
    lastError: published === null ? 'broker down' : null, envelope: { subject: 'o-1', data: { customerId: 'c-7' } },
  };
}

function attempt(consumer: string, eventId: string, n: number, outcome: FlowAttempt['outcome'], at: number, topic = 'orders'): FlowAttempt {
  const failed = outcome === 'retry' || outcome === 'dead_lettered';
  return { id: `${consumer}${n}${at}`, consumer, eventId, topic, partition: 0, offset: '1', attempt: n, outcome, durationMs: 20, errorClass: failed ? 'AppError' : null, errorMessage: failed ? 'boom' : null, at: t(at) };
}

function input(over: Partial<FlowInput> = {}): FlowInput {
  return {
    traceId: 'a'.repeat(32),
    events: [event(ids.placed, 'orders.OrderPlaced', '9', null, 0, 1), event(ids.paid, 'payments.PaymentAuthorized', '10', ids.placed, 3, null)],
    attempts: [attempt('payments', ids.placed, 1, 'retry', 2), attempt('payments', ids.placed, 2, 'ok', 3), attempt('summary', ids.placed, 1, 'ok', 2)],
    deadLetters: [],
    jobs: [],
    consumers: [
      { name: 'payments', handles: ['orders.OrderPlaced'] },
      { name: 'shipping', handles: ['payments.PaymentAuthorized', 'orders.OrderPlaced'] },
      { name: 'summary', handles: ['orders.OrderPlaced'], projection: { table: 'order_summary_v2', keyOf: (e) => (e as { subject: string }).subject } },
    ],
    inbox: new Set(),
    lag: [{ consumer: 'shipping', status: 'WARN', secondsBehind: 340, at: t(5) }],
    isReplayTopic: (topic) => topic.startsWith('replay.'),
    ...over,
  };
}

describe('buildTimeline', () => {
  it('orders steps by time, one lane per consumer, projection rows from the key function and active table', () => {
    const tl = buildTimeline(input());
    expect(tl.steps.map((s) => `${s.kind}:${s.lane}`)).toEqual([
      'outbox-write:outbox', 'publish:outbox', 'attempt:payments', 'attempt:summary', 'projection:summary', 'outbox-write:outbox', 'attempt:payments',
    ]);
    expect(tl.lanes).toEqual(['outbox', 'payments', 'shipping', 'summary']);
    expect(tl.steps.find((s) => s.kind === 'projection')).toMatchObject({ table: 'order_summary_v2', key: 'o-1' });
    expect(tl.steps.find((s) => s.kind === 'publish')).toMatchObject({ latencyMs: 1000 });
    expect(tl.steps.find((s) => s.kind === 'attempt' && s.outcome === 'retry')).toMatchObject({ attempt: 1, error: { class: 'AppError', message: 'boom' }, sincePublishMs: 1000 });
  });

  it('draws causation as a tree with the time spent at each hop', () => {
    const [root] = buildTimeline(input()).tree;
    expect(root).toMatchObject({ eventId: ids.placed, sinceParentMs: null, children: [{ eventId: ids.paid, sinceParentMs: 3000, children: [] }] });
  });

  it('says why each step is missing', () => {
    const reasons = buildTimeline(input()).missing.map((m) => `${m.lane}:${m.kind}:${m.reason}`);
    expect(reasons).toEqual([
      'shipping:not-consumed:published, not yet consumed by shipping — shipping is 340 s behind',
      'outbox:not-published:not yet published (2 publish attempts; last error: broker down)',
    ]);
  });

  it('marks a dead letter, its replay with its job, and clears the reason once the replayed attempt succeeds', () => {
    const deadLetters = [{
      id: ids.dlq, consumer: 'shipping', eventId: ids.placed, eventType: 'orders.OrderPlaced', topic: 'orders', partition: 0, offset: '9', errorCode: 'not_found',
      errorMessage: 'no order', attemptCount: 1, firstFailedAt: t(2), lastFailedAt: t(2), status: 'open', replays: [{ jobId: 'j1', at: t(8), by: null }],
    }];
    const jobs = [{ id: 'j1', kind: 'dlq.replay', state: 'succeeded', createdBy: 'u-1', createdAt: t(8), finishedAt: t(9), error: null }];
    const failed = buildTimeline(input({ deadLetters, jobs, attempts: [attempt('shipping', ids.placed, 1, 'dead_lettered', 2)] }));
    expect(failed.missing.find((m) => m.lane === 'shipping')).toMatchObject({ kind: 'dead-lettered', dlqId: ids.dlq, reason: 'dead-lettered by shipping: not_found' });
    expect(failed.steps.find((s) => s.kind === 'replay')).toMatchObject({ jobId: 'j1', by: 'u-1', jobState: 'succeeded' });

    const replayed = buildTimeline(input({
      deadLetters: [{ ...deadLetters[0]!, status: 'resolved' }], jobs,
      attempts: [attempt('shipping', ids.placed, 1, 'dead_lettered', 2), attempt('shipping', ids.placed, 1, 'ok', 9, 'replay.shipping')],
    }));
    expect(replayed.missing.filter((m) => m.lane === 'shipping' && m.eventId === ids.placed)).toEqual([]);
    expect(replayed.steps.filter((s) => s.kind === 'attempt' && s.lane === 'shipping').map((s) => s.kind === 'attempt' && s.replayed)).toEqual([false, true]);
  });

  it('lists skipped consumers and survives a causation cycle', () => {
    const events = [event(ids.placed, 'x.Other', '1', ids.paid, 0, 1), event(ids.paid, 'x.Other', '2', ids.placed, 1, 1)];
    const tl = buildTimeline(input({ events, attempts: [] }));
    expect(tl.tree.length).toBeGreaterThan(0);
    const flat = (n: { children: unknown[] }[]): number => n.reduce((sum, c) => sum + 1 + flat(c.children as { children: unknown[] }[]), 0);
    expect(flat(tl.tree)).toBe(2);
    expect(tl.missing.filter((m) => m.kind === 'skipped').map((m) => m.reason)).toContain('skipped: payments does not handle this type');
  });
});
