'use client';
// Preview → replay → confirm, then live progress of the jobs it started (one per
// consumer). The preview says what will be sent, to whom, and which order is kept;
// above the size thresholds the count must be typed back (and an admin approves).
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import type { ReplayOutcome } from '@/lib/app/replay-dlq-messages';
import type { ReplaySelection } from '@/lib/domain/dlq/selection';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ProgressBar } from '../../components/progress-bar';
import { StatusBadge, isStatus } from '../../components/status-badge';
import { fetchJob } from '../jobs/jobs-api';
import { approveReplay, requestReplay } from './dlq-api';

export function ReplayPanel({ selection, canReplay, canApprove = false, label, active = [] }: {
  selection: ReplaySelection;
  canReplay: boolean;
  canApprove?: boolean;
  label: string;
  /** Replays of this selection already under way (shown with their progress). */
  active?: { consumer: string; jobId: string }[];
}) {
  const [preview, setPreview] = useState<ReplayOutcome['preview'] | null>(null);
  const [jobs, setJobs] = useState<ReplayOutcome['jobs']>([]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One key per previewed request: a double click or a retried POST starts one job.
  const [idempotencyKey, setIdempotencyKey] = useState('');

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const started = new Set(jobs.map((j) => j.job.id));
  const running = active.filter((a) => !started.has(a.jobId));
  const under = running.map((a) => <JobProgress key={a.jobId} jobId={a.jobId} consumer={a.consumer} canApprove={canApprove} />);
  if (!canReplay) return <>{under}<p className="muted">Replaying needs the operator role; you can look at everything here.</p></>;
  return (
    <section className="panel" aria-label="Replay">
      <div className="row">
        <button type="button" disabled={busy} onClick={() =>
            run(async () => {
              setPreview((await requestReplay({ selection, dryRun: true })).preview);
              setIdempotencyKey(`ui-${crypto.randomUUID()}`);
            })
          } data-testid="replay-preview">
          Preview replay of {label}
        </button>
        {preview && preview.count > 0 ? (
          <button type="button" className="primary" disabled={busy} onClick={() => setConfirming(true)} data-testid="replay-start">
            Replay {preview.count}…
          </button>
        ) : null}
      </div>
      {error && !confirming ? <div className="error-box" role="alert">{error}</div> : null}
      {preview ? (
        <div data-testid="replay-preview-result">
          {preview.count === 0 ? (
            <p>Nothing open to replay in {preview.selection}: every message is resolved, discarded or already being replayed.</p>
          ) : (
            <>
              <p>
                <strong>{preview.count}</strong> open messages of {preview.subjects} subjects, to{' '}
                {preview.consumers.map((c) => `${c.consumer} (${c.count})`).join(', ')}; types{' '}
                {preview.eventTypes.map((t) => `${t.eventType ?? 'unreadable'} (${t.count})`).join(', ')}.
                {preview.parked ? <> Plus <strong data-testid="replay-preview-parked">{preview.parked}</strong> later events parked behind them.</> : null}
              </p>
              <p className="muted">{preview.ordering}</p>
              <details>
                <summary>Sample ({preview.sample.length})</summary>
                <ul className="mono">
                  {preview.sample.map((s) => (
                    <li key={s.id}>
                      <Link href={`/dlq/messages/${s.id}`}>{s.topic}/{s.partition}@{s.offset}</Link> {s.consumer} {s.eventType} {s.subject}
                    </li>
                  ))}
                </ul>
              </details>
            </>
          )}
        </div>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title={`Replay ${preview?.count ?? 0} messages`}
        confirmLabel="Replay"
        confirmText={preview?.confirmText ?? undefined}
        busy={busy}
        error={error}
        onCancel={() => setConfirming(false)}
        onConfirm={() =>
          run(async () => {
            const result = await requestReplay({ selection, confirm: preview?.confirmText ?? undefined, idempotencyKey });
            setJobs(result.jobs);
            setConfirming(false);
          })
        }
      >
        <p>
          Each consumer gets only its own failed messages, through its replay topic, at 200/s (or the lower cap an admin set), canary first: if the first ones fail
          again the replay stops by itself. {preview?.gate === 'approval' ? 'This size needs an admin’s approval before anything is sent.' : ''}
        </p>
      </ConfirmDialog>
      {under}
      {jobs.map((j) => (
        <JobProgress key={j.job.id} jobId={j.job.id} consumer={j.consumer} canApprove={canApprove} />
      ))}
    </section>
  );
}

function JobProgress({ jobId, consumer, canApprove }: { jobId: string; consumer: string; canApprove: boolean }) {
  const [approval, setApproval] = useState<string | null>(null);
  const { data: job } = useQuery({
    queryKey: ['jobs', jobId],
    queryFn: () => fetchJob(jobId),
    refetchInterval: (q) => (q.state.data && ['succeeded', 'failed', 'cancelled'].includes(q.state.data.state) ? false : 1_000),
  });
  if (!job) return <p>Starting the replay for {consumer}…</p>;
  return (
    <div className="panel" data-testid="replay-job">
      <p>
        Replay to <strong>{consumer}</strong>: {isStatus(job.state) ? <StatusBadge status={job.state} /> : job.state}{' '}
        <Link href={`/jobs/${job.id}`}>job {job.id.slice(0, 8)}</Link>
      </p>
      <ProgressBar label={`Replay to ${consumer}`} done={job.progress.done} total={job.progress.total} ratePerSecond={job.progress.ratePerSecond} etaSeconds={job.progress.etaSeconds} failures={job.progress.failures} testId="replay-progress" />
      {(job.params as { needsApproval?: boolean } | null)?.needsApproval && job.progress.done === 0 && job.state !== 'failed' && job.state !== 'cancelled' ? (
        <p role="status">
          Waiting for a second person (an admin) to approve; nothing is sent before that.{' '}
          {canApprove ? (
            <button type="button" onClick={() => approveReplay(job.id).then(() => setApproval('Approved.'), (e: unknown) => setApproval(e instanceof Error ? e.message : String(e)))}>
              Approve
            </button>
          ) : null}{' '}
          {approval}
        </p>
      ) : null}
      {job.error ? <div className="error-box" role="alert">{job.error}</div> : null}
    </div>
  );
}
