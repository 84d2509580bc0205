'use client';
// The wall's screen: the overall state in large type (icon + word + colour), the checks
// that are not OK with their evidence and age, every part of the system as a tile with its
// state and last 24 h, and the figures' age. Polls /wall/data every WALL_REFRESH_MS; a
// refused poll (token revoked) hides every figure; a failing one flags the screen stale.
import { useEffect, useState, type ReactNode } from 'react';
import type { WallView } from '@/lib/read/get-wall-status';
import type { CheckState } from '@/lib/domain/checks/check-types';
import { WALL_REFRESH_MS, type WallTheme } from '@/lib/domain/checks/wall';
import { ageSeconds, formatDurationSeconds, formatUtcTimestamp } from '@/lib/domain/format/time';
import { parseApiError } from '@/lib/http/api-error';
import { useNow } from '../components/relative-time';
import styles from './wall.module.css';

const ICON: Record<CheckState, string> = { OK: '✓', WARN: '⚠', CRIT: '‼' };
const WORD: Record<CheckState, string> = { OK: 'All OK', WARN: 'Warning', CRIT: 'Critical' };
const TONE: Record<CheckState, string> = { OK: styles.ok!, WARN: styles.warn!, CRIT: styles.bad! };
const AREA: Record<string, string> = { platform: 'Platform', flow: 'Flow', consumer: 'Consumer', projection: 'Projection' };
/** The screen reloads itself now and then, so a wall left on for weeks runs fresh code. */
const RELOAD_AFTER_MS = 6 * 3_600_000;

export function WallShell({ theme, children }: { theme: WallTheme; children: ReactNode }) {
  return (
    <div className={styles.wall} data-wall-theme={theme} data-testid="wall">
      {children}
    </div>
  );
}

export function WallRefused({ refused }: { refused: boolean }) {
  return (
    <main className={styles.refused} data-testid="wall-refused">
      <h1>Status wall: no valid wall token</h1>
      <p>
        {refused ? 'The link’s token is not a valid wall token (it was revoked, mistyped, or is an API token of another scope).' : 'This screen has no wall token, or its token was revoked.'}
      </p>
      <p>An admin creates a wall token on Settings → API tokens (scope “Wall view”) and opens the link it shows, <code>/wall?token=…</code>, on this screen once.</p>
    </main>
  );
}

function State({ state, size }: { state: CheckState; size: 'huge' | 'big' | 'small' }) {
  return (
    <span className={`${styles.state} ${styles[size]} ${TONE[state]}`} data-state={state}>
      <span aria-hidden="true">{ICON[state]}</span> {size === 'huge' ? WORD[state] : state}
    </span>
  );
}

type Poll = { view: WallView; fetchedAt: Date; error: string | null; refused: boolean };

export function WallBoard({ initial, theme, name }: { initial: WallView; theme: WallTheme; name: string }) {
  const [poll, setPoll] = useState<Poll>(() => ({ view: initial, fetchedAt: new Date(), error: null, refused: false }));
  const now = useNow(1_000);

  useEffect(() => {
    let stopped = false;
    async function refresh() {
      try {
        const res = await fetch('/wall/data', { headers: { accept: 'application/json' }, cache: 'no-store' });
        const body: unknown = await res.json().catch(() => null);
        if (stopped) return;
        if (res.status === 401) return setPoll((p) => ({ ...p, refused: true }));
        if (!res.ok) return setPoll((p) => ({ ...p, error: parseApiError(body)?.message ?? `HTTP ${res.status}` }));
        setPoll({ view: body as WallView, fetchedAt: new Date(), error: null, refused: false });
      } catch (e) {
        if (!stopped) setPoll((p) => ({ ...p, error: e instanceof Error ? e.message : String(e) }));
      }
    }
    const timer = setInterval(() => void refresh(), WALL_REFRESH_MS);
    const reload = setTimeout(() => window.location.reload(), RELOAD_AFTER_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      clearTimeout(reload);
    };
  }, []);

  if (poll.refused) {
    return (
      <WallShell theme={theme}>
        <WallRefused refused={false} />
      </WallShell>
    );
  }
  const v = poll.view;
  const fetchedAge = ageSeconds(poll.fetchedAt, now);
  const stale = fetchedAge * 1000 > 3 * WALL_REFRESH_MS;
  const evaluatedAge = v.evaluatedAt ? ageSeconds(new Date(v.evaluatedAt), now) : null;
  const bad = v.entities.filter((e) => e.state !== 'OK').length;
  return (
    <WallShell theme={theme}>
      <header className={styles.head}>
        <div className={`${styles.overall} ${TONE[v.overall]}`} data-testid="wall-overall" data-state={v.overall}>
          <State state={v.overall} size="huge" />
          <span className={styles.counts}>
            {(['CRIT', 'WARN', 'OK'] as const).map((s) => (
              <span key={s} data-testid={`wall-count-${s}`} className={TONE[s]}>
                <span aria-hidden="true">{ICON[s]}</span> {v.counts[s]} {s}
              </span>
            ))}
          </span>
        </div>
        <div className={styles.fresh} data-testid="wall-freshness" aria-live="polite">
          <div className={styles.clock} suppressHydrationWarning>{formatUtcTimestamp(now).slice(11)}</div>
          <div suppressHydrationWarning>
            updated {formatDurationSeconds(fetchedAge)} ago · checks evaluated {evaluatedAge === null ? 'never (is the checker running?)' : `${formatDurationSeconds(evaluatedAge)} ago`}
          </div>
          {stale || poll.error ? (
            <div className={`${styles.stale} ${styles.bad}`} role="alert" data-testid="wall-stale">
              <span aria-hidden="true">⚠</span> STALE: figures are {formatDurationSeconds(fetchedAge)} old{poll.error ? ` (${poll.error})` : ''}
            </div>
          ) : null}
          <div className={styles.muted}>{name} · {bad === 0 ? 'every part OK' : `${bad} of ${v.entities.length} parts not OK`}</div>
        </div>
      </header>

      {v.notOk.length > 0 ? (
        <section aria-label="Checks not OK" className={styles.alerts} data-testid="wall-not-ok">
          {v.notOk.slice(0, 8).map((c) => (
            <article key={`${c.title}:${c.subject}`} className={`${styles.alert} ${TONE[c.state]}`} data-state={c.state}>
              <State state={c.state} size="big" />
              <div>
                <div className={styles.alertTitle}>
                  {c.title} <span className={styles.mono}>{c.subject}</span>
                  <span className={styles.muted} suppressHydrationWarning> · for {formatDurationSeconds(ageSeconds(new Date(c.since), now))}</span>
                </div>
                <div className={styles.evidence}>{c.evidence}</div>
              </div>
            </article>
          ))}
          {v.notOk.length > 8 ? <p className={styles.muted}>and {v.notOk.length - 8} more not OK</p> : null}
        </section>
      ) : null}

      {v.entities.length === 0 ? (
        <p className={styles.empty}>No check results yet: start the checker (npx tsx workers/checks/index.ts).</p>
      ) : (
        <section aria-label="Every part" className={styles.tiles} data-testid="wall-tiles">
          {v.entities.map((e) => (
            <div key={`${e.area}:${e.subject}`} className={`${styles.tile} ${TONE[e.state]}`} data-entity={e.subject} data-state={e.state}>
              <State state={e.state} size="small" />
              <div className={styles.tileName}>{e.subject}</div>
              <div className={styles.muted}>{AREA[e.area] ?? e.area}</div>
              <div className={styles.bars} role="img" aria-label={`${e.subject}, last 24 h: ${e.day.filter((b) => b.state !== 'OK').length} of ${e.day.length} hours not OK`}>
                {e.day.map((b) => <span key={String(b.from)} className={TONE[b.state]} data-state={b.state} />)}
              </div>
            </div>
          ))}
        </section>
      )}
      <footer className={styles.muted} suppressHydrationWarning>
        {v.openIncidents.length === 0 ? 'No open incidents.' : `${v.openIncidents.length} open incident${v.openIncidents.length === 1 ? '' : 's'}, oldest for ${formatDurationSeconds(Math.max(...v.openIncidents.map((i) => ageSeconds(new Date(i.startedAt), now))))}.`}{' '}
        Refreshes every {formatDurationSeconds(WALL_REFRESH_MS / 1000)} · times UTC · read-only
      </footer>
    </WallShell>
  );
}
