'use client';
// The one confirmation for a consequential action, on the native <dialog> (modal:
// focus stays inside, the page behind is inert; Escape cancels). With `confirmText`
// the user must type it exactly before the confirm button is enabled. Focus goes to
// the text field (or Cancel, the safe choice) on open and back where it was on close.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will happen, to what, and whether it can be undone. */
  children: ReactNode;
  confirmLabel: string;
  /** When given, the user types this exactly (e.g. the job id or a consumer name) to confirm. */
  confirmText?: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
  /** While the action runs: both buttons disabled. */
  busy?: boolean;
  /** An error from the last attempt, shown inside the dialog. */
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ open, title, children, confirmLabel, confirmText, danger = false, busy = false, error, onConfirm, onCancel }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const [typed, setTyped] = useState('');
  const titleId = useId();
  const descriptionId = useId();
  const inputId = useId();

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) {
      returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setTyped('');
      el.showModal();
      (confirmText ? input.current : cancel.current)?.focus();
    } else if (!open && el.open) {
      el.close();
      returnFocus.current?.focus();
    }
  }, [open, confirmText]);

  const matches = confirmText === undefined || typed === confirmText;
  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      // Escape fires `cancel`; the parent decides (and closes us through `open`).
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
      // Closed by the browser itself (a second Escape may not be cancelable): tell the parent.
      onClose={() => {
        if (open) onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (matches && !busy) onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div id={descriptionId}>{children}</div>
        {confirmText !== undefined ? (
          <>
            <label htmlFor={inputId}>
              Type <code className="mono">{confirmText}</code> to confirm
            </label>
            <input
              id={inputId}
              ref={input}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              className="mono"
              style={{ width: '100%' }}
            />
          </>
        ) : null}
        {error ? (
          <div className="error-box" role="alert">
            {error}
          </div>
        ) : null}
        <div className="row dialog-actions">
          <button type="button" ref={cancel} onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={!matches || busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
