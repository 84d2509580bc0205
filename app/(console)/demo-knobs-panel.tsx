'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { DemoKnobs } from '@/lib/demo/knobs';
import { demoConsumerNames } from '@/lib/config/consumers-env';
import { apiErrorMessage } from '@/lib/http/api-error';

async function fetchKnobs(): Promise<DemoKnobs> {
  const res = await fetch('/api/demo/knobs');
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return ((await res.json()) as { knobs: DemoKnobs }).knobs;
}

async function saveKnobs(patch: Partial<DemoKnobs>): Promise<DemoKnobs> {
  const res = await fetch('/api/demo/knobs', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
  if (!res.ok) throw new Error(await apiErrorMessage(res));
  return ((await res.json()) as { knobs: DemoKnobs }).knobs;
}

const numberFields = [
  ['ratePerSecond', 'Orders per second', 0, 200, 1],
  ['poisonShare', 'Share of poison messages', 0, 1, 0.01],
  ['transientFailureShare', 'Share of transient handler failures', 0, 1, 0.01],
  ['permanentFailureShare', 'Share of permanent handler failures', 0, 1, 0.01],
  ['slowMs', 'Delay of the slow consumer (ms)', 0, 10_000, 50],
] as const;

export function DemoKnobsPanel({ canEdit }: { canEdit: boolean }) {
  const client = useQueryClient();
  const { data, error } = useQuery({ queryKey: ['demo', 'knobs'], queryFn: fetchKnobs, refetchInterval: 10_000 });
  const [message, setMessage] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: saveKnobs,
    onSuccess: (knobs) => {
      client.setQueryData(['demo', 'knobs'], knobs);
      void client.invalidateQueries({ queryKey: ['overview'] });
      setMessage('Saved. Workers pick the change up within a second.');
    },
    onError: () => setMessage(null),
  });

  if (error) return <div className="error-box" role="alert">Could not load the demo knobs: {error.message}</div>;
  if (!data) return <p className="muted">Loading the demo knobs…</p>;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const patch: Record<string, unknown> = {};
    for (const [name] of numberFields) patch[name] = Number(form.get(name));
    for (const name of ['slowConsumer', 'stoppedConsumer', 'stalledConsumer'] as const) patch[name] = form.get(name) ? String(form.get(name)) : null;
    setMessage(null);
    mutation.mutate(patch as Partial<DemoKnobs>);
  }

  return (
    <details className="panel">
      <summary>
        <strong>Demo fault knobs</strong> <span className="muted">(rate {data.ratePerSecond}/s, poison {data.poisonShare}, transient {data.transientFailureShare}, permanent {data.permanentFailureShare}
        {data.slowConsumer ? `, slow ${data.slowConsumer}` : ''}{data.stoppedConsumer ? `, stopped ${data.stoppedConsumer}` : ''}{data.stalledConsumer ? `, stalled ${data.stalledConsumer}` : ''})</span>
      </summary>
      <form onSubmit={onSubmit} aria-label="Demo fault knobs" className="row" style={{ alignItems: 'flex-end', marginTop: 8 }}>
        {numberFields.map(([name, label, min, max, step]) => (
          <div key={name}>
            <label htmlFor={`knob-${name}`}>{label}</label>
            <input id={`knob-${name}`} name={name} type="number" min={min} max={max} step={step} defaultValue={data[name]} disabled={!canEdit} style={{ width: 120 }} />
          </div>
        ))}
        {(['slowConsumer', 'stoppedConsumer', 'stalledConsumer'] as const).map((name) => (
          <div key={name}>
            <label htmlFor={`knob-${name}`}>{{ slowConsumer: 'Slow consumer', stoppedConsumer: 'Stopped consumer', stalledConsumer: 'Stalled consumer' }[name]}</label>
            <select id={`knob-${name}`} name={name} defaultValue={data[name] ?? ''} disabled={!canEdit}>
              <option value="">none</option>
              {demoConsumerNames.map((c) => (
                <option key={c} value={c}>{c}</option>
              ))}
            </select>
          </div>
        ))}
        <button type="submit" className="primary" disabled={!canEdit || mutation.isPending}>
          {mutation.isPending ? 'Saving…' : 'Apply'}
        </button>
      </form>
      {!canEdit ? <p className="muted">Changing knobs needs the operator role.</p> : null}
      {mutation.error ? <div className="error-box" role="alert">⚠ {mutation.error.message}</div> : null}
      {message ? <p role="status">✓ {message}</p> : null}
    </details>
  );
}
