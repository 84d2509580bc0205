// The pieces of the timeline page: a step's words and badge, the causation tree.
import Link from 'next/link';
import type { CausationNode, MissingStep, TimelineStep } from '@/lib/domain/trace/flow-types';
import { formatDurationSeconds } from '@/lib/domain/format/time';
import { StatusBadge, type Status } from '../../../components/status-badge';

const ms = (v: number | null) => (v === null ? '—' : v < 1000 ? `${Math.round(v)} ms` : formatDurationSeconds(v / 1000));

const outcomeStatus: Record<string, Status> = { ok: 'succeeded', duplicate: 'discarded', retry: 'WARN', dead_lettered: 'failed' };

export function StepCell({ step, group }: { step: TimelineStep; group: (consumer: string) => string }) {
  switch (step.kind) {
    case 'outbox-write':
      return <span><StatusBadge status="queued">outbox write</StatusBadge> {step.type} · subject <code>{step.subject}</code> · #{step.position}</span>;
    case 'publish':
      return <span><StatusBadge status="succeeded">published</StatusBadge> {step.topic}/{step.partition}@{step.offset} · {ms(step.latencyMs)} after write</span>;
    case 'attempt':
      return (
        <span data-testid={`attempt-${step.outcome}`}>
          <StatusBadge status={outcomeStatus[step.outcome] ?? 'unknown'}>{step.outcome.replace('_', '-')}</StatusBadge> attempt {step.attempt}
          {step.replayed ? ' (replayed)' : ''} · {ms(step.durationMs)}
          {step.sincePublishMs !== null ? ` · ${ms(step.sincePublishMs)} after publish` : ''}
          {step.error ? <span className="muted"> — {[step.error.class, step.error.message].filter(Boolean).join(': ').slice(0, 300)}</span> : null}{' '}
          <Link href={`/consumers/${encodeURIComponent(group(step.lane))}`}>consumer</Link>
        </span>
      );
    case 'dead-letter':
      return (
        <span>
          <StatusBadge status={step.status === 'open' || step.status === 'replaying' || step.status === 'resolved' || step.status === 'discarded' ? step.status : 'unknown'}>dead letter {step.status}</StatusBadge>{' '}
          {step.errorCode}: {step.errorMessage.slice(0, 200)} · {step.attempts} attempts · <Link href={`/dlq/messages/${step.dlqId}`}>DLQ row</Link>
        </span>
      );
    case 'replay':
      return (
        <span>
          <StatusBadge status="replaying">replay</StatusBadge> by {step.by ?? 'unknown'}
          {step.jobId ? <> · <Link href={`/jobs/${step.jobId}`}>job {step.jobState ?? ''}</Link></> : null}
          {step.jobError ? <span className="muted"> — {step.jobError.slice(0, 200)}</span> : null} · <Link href={`/dlq/messages/${step.dlqId}`}>DLQ row</Link>
        </span>
      );
    case 'projection':
      return <span><StatusBadge status="live">read model</StatusBadge> {step.table} row <code>{step.key}</code></span>;
  }
}

export function CausationTree({ nodes }: { nodes: CausationNode[] }) {
  if (nodes.length === 0) return null;
  return (
    <ul>
      {nodes.map((n) => (
        <li key={n.eventId}>
          <strong>{n.type}</strong> <span className="muted">{n.sinceParentMs !== null ? `+${ms(n.sinceParentMs)} after its cause` : 'command'} · {n.eventId}</span>
          <CausationTree nodes={n.children} />
        </li>
      ))}
    </ul>
  );
}

const missingStatus: Record<MissingStep['kind'], Status> = { 'not-published': 'STALL', 'not-consumed': 'STALL', retrying: 'WARN', 'dead-lettered': 'failed', skipped: 'unknown' };

export function MissingList({ missing, testId = 'missing-steps' }: { missing: MissingStep[]; testId?: string }) {
  return (
    <ul data-testid={testId}>
      {missing.map((m) => (
        <li key={`${m.lane}-${m.eventId}`} data-kind={m.kind}>
          <StatusBadge status={missingStatus[m.kind]}>{m.kind}</StatusBadge> {m.type}: {m.reason}
          {m.dlqId ? <> · <Link href={`/dlq/messages/${m.dlqId}`}>DLQ row</Link></> : null}
        </li>
      ))}
    </ul>
  );
}
