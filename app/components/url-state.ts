'use client';
// Hooks over the URL's search params: every filter, sort, tab, cursor and selection
// lives there, so a pasted link opens the same view (docs: console conventions).
// Encoding rules are pure and tested: lib/domain/format/url-params.ts.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { withParams, type ParamChanges } from '@/lib/domain/format/url-params';

export interface UrlWriteOptions {
  /** Keys removed as well, e.g. the page cursor when a filter changes. */
  reset?: readonly string[];
  /** Replace the history entry instead of pushing one (for changes not worth a Back step). */
  replace?: boolean;
}

/** All search params, a way to change several at once, and the href a change would open. */
export function useUrlParams() {
  const params = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const current = params.toString();
  const href = useCallback((changes: ParamChanges, reset: readonly string[] = []) => `${pathname}${withParams(current, changes, reset)}`, [pathname, current]);
  const set = useCallback(
    (changes: ParamChanges, options: UrlWriteOptions = {}) => {
      const target = href(changes, options.reset);
      if (options.replace) router.replace(target, { scroll: false });
      else router.push(target, { scroll: false });
    },
    [href, router],
  );
  return useMemo(() => ({ params, href, set }), [params, href, set]);
}

/** One search param and its setter (null or '' removes it). */
export function useUrlParam(key: string, options: UrlWriteOptions = {}): [string | null, (value: string | null) => void] {
  const { params, set } = useUrlParams();
  const { reset, replace } = options;
  const setValue = useCallback((value: string | null) => set({ [key]: value }, { reset, replace }), [key, set, reset, replace]);
  return [params.get(key), setValue];
}
