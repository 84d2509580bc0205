'use client';
// The console header's search box, on every page: paste any id of a flow (trace id,
// traceparent, event id, order id, correlation id, DLQ row id) and the Traces page
// resolves it. A plain GET form, so it works before (and without) JavaScript; with
// it, "/" focuses the box from anywhere that is not a text field.
import { useEffect, useRef } from 'react';

export function HeaderSearch() {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      if (e.key === '/' && !typing && !e.metaKey && !e.ctrlKey && !e.altKey) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <form role="search" action="/traces" method="get" className="row" style={{ gap: 8, marginBottom: 16 }} data-testid="header-search">
      <label htmlFor="header-search-q" className="sr-only">
        Find a flow by any id
      </label>
      <input
        ref={input}
        id="header-search-q"
        name="q"
        type="search"
        required
        maxLength={800}
        autoComplete="off"
        spellCheck={false}
        placeholder="Paste an order id, trace id, traceparent, event id, correlation id or DLQ id  ( / )"
        style={{ flex: 1, minWidth: 240, fontFamily: 'var(--mono, monospace)' }}
      />
      <button type="submit">Find flow</button>
    </form>
  );
}
