'use client';

import { useSyncExternalStore } from 'react';

type Theme = 'light' | 'dark' | 'system';
const KEY = 'signalbox-theme';
const listeners = new Set<() => void>();

function read(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function choose(next: Theme) {
  if (next === 'system') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, next);
    document.documentElement.dataset.theme = next;
  }
  listeners.forEach((l) => l());
}

export function ThemeToggle() {
  const theme = useSyncExternalStore(subscribe, read, () => 'system' as Theme);
  return (
    <label style={{ fontWeight: 400, margin: 0 }}>
      Theme{' '}
      <select value={theme} onChange={(e) => choose(e.target.value as Theme)} aria-label="Colour theme">
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
