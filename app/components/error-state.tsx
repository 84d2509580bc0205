'use client';
// A failure the user can act on: what went wrong, and what to do about it.
import type { ReactNode } from 'react';

export interface ErrorStateProps {
  /** What went wrong, in a sentence ("Could not load the jobs."). */
  title: string;
  /** What to do: check a service, change a filter, wait, call someone. */
  children: ReactNode;
  /** The error's own message (from the API body), shown as detail. */
  detail?: string;
  /** Offers a "Try again" button. */
  onRetry?: () => void;
}

export function ErrorState({ title, children, detail, onRetry }: ErrorStateProps) {
  return (
    <div className="error-box error-state" role="alert">
      <strong>
        <span aria-hidden="true">✖</span> {title}
      </strong>
      {detail ? <div className="mono">{detail}</div> : null}
      <div>{children}</div>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
