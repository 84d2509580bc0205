'use client';
// One job, live: state, progress (done/total, rate, ETA, failures), and pause /
// resume / cancel for those allowed. Polls every second while the job is active and
// stops once it is finished. Cancel asks for the scope to be typed: it cannot be undone.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { JobView } from '@/lib/jobs/job-view';
import type { Role } from '@/lib/domain/roles';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { ErrorState } from '../../../components/error-state';
import { Freshness, useLivePolling } from '../../../components/freshness';
import { ProgressBar } from '../../../components/progress-bar';
import { RelativeTime } from '../../../components/relative-time';
import { StatusBadge } from '../../../components/status-badge';
import { commandJob, fetchJob, isActive } from '../jobs-api';

type Command = 'pause' | 'resume' | 'cancel';

export function JobDetail({ initial, canControl, requiredRole, now }: { initial: JobView; canControl: boolean; requiredRole: Role; now: string }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const polling = useLivePolling(1_000);
  const key = ['jobs', initial.id];
  const { data: job, error, dataUpdatedAt } = useQuery({
    queryKey: key,
    queryFn: () => fetchJob(initial.id),
    initialData: initial,
    refetchInterval: (q) => (q.state.data && !isActive(q.state.data) ? false : polling.refetchInterval),
  });
  const [confirming, setConfirming] = useState(false);
  const command = useMutation({
    mutationFn: (c: Command) => commandJob(initial.id, c),
    onSuccess: (updated) => {
      queryClient.setQueryData(key, updated);
      void queryClient.invalidateQueries({ queryKey: ['jobs', 'list'] });
      setConfirming(false);
      router.refresh(); // the audit records below are server-rendered
    },
  });
  const busy = command.isPending;
  const p = job.progress;

  return (
    <section className="panel" aria-label="Job status and progress">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <div className="row">
          <span data-testid="job-state">
            <StatusBadge status={job.state} title={job.error ?? undefined} />
          </span>
          {job.state === 'cancelling' ? <span className="muted">stopping at its next checkpoint…</span> : null}
        </div>
        {isActive(job) ? (
          <Freshness updatedAt={dataUpdatedAt} paused={polling.paused} onPausedChange={polling.setPaused} intervalMs={polling.intervalMs} error={error?.message} />
        ) : null}
      </div>
      <div style={{ margin: '12px 0' }}>
        <ProgressBar label="Job progress" testId="job-progress" done={p.done} total={p.total} ratePerSecond={p.ratePerSecond} etaSeconds={p.etaSeconds} failures={p.failures} />
      </div>
      {job.error ? <ErrorState title="The job failed.">{job.error}</ErrorState> : null}
      {canControl ? (
        <div className="row" role="group" aria-label="Job actions">
          {job.state === 'queued' || job.state === 'running' ? (
            <button type="button" onClick={() => command.mutate('pause')} disabled={busy}>
              Pause
            </button>
          ) : null}
          {job.state === 'paused' ? (
            <button type="button" className="primary" onClick={() => command.mutate('resume')} disabled={busy}>
              Resume
            </button>
          ) : null}
          {job.state === 'queued' || job.state === 'running' || job.state === 'paused' ? (
            <button type="button" className="danger" onClick={() => (command.reset(), setConfirming(true))} disabled={busy}>
              Cancel job…
            </button>
          ) : null}
        </div>
      ) : isActive(job) ? (
        <p className="muted">Pausing, resuming and cancelling this job needs the {requiredRole} role.</p>
      ) : null}
      {command.error && !confirming ? (
        <div className="error-box" role="alert">
          {command.error.message}
        </div>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title="Cancel this job?"
        confirmLabel="Cancel job"
        confirmText={job.scope}
        danger
        busy={busy}
        error={confirming ? (command.error?.message ?? null) : null}
        onConfirm={() => command.mutate('cancel')}
        onCancel={() => setConfirming(false)}
      >
        <p>
          The job <span className="mono">{job.kind}</span> on <span className="mono">{job.scope}</span> stops at its next checkpoint. What it
          has done so far ({p.done}
          {p.total !== null ? ` of ${p.total}` : ''}) stays done; a cancelled job cannot be resumed, and the scope is free for a new job.
        </p>
      </ConfirmDialog>

      <h2>Details</h2>
      <dl className="facts">
        <dt>Job id</dt>
        <dd className="mono">{job.id}</dd>
        <dt>Created</dt>
        <dd><RelativeTime at={job.createdAt} now={now} /> by {job.createdBy ?? '—'}</dd>
        <dt>Started</dt>
        <dd><RelativeTime at={job.startedAt} now={now} /></dd>
        <dt>Finished</dt>
        <dd><RelativeTime at={job.finishedAt} now={now} /></dd>
        <dt>Last heartbeat</dt>
        <dd><RelativeTime at={job.heartbeatAt} now={now} /></dd>
        <dt>Runs</dt>
        <dd>{job.attempts}{job.workerId ? <> · worker <span className="mono">{job.workerId}</span></> : null}</dd>
        <dt>Parameters</dt>
        <dd className="mono">{JSON.stringify(job.params)}</dd>
        {job.result !== null && job.result !== undefined ? (
          <>
            <dt>Result</dt>
            <dd className="mono">{JSON.stringify(job.result)}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
