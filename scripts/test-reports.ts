// Reading the test runners' JSON reports for `npm test`'s summary: which tests failed, and
// why, in one line each (CI shows the tail of the output, where the summary is).

/** The first non-empty line of an error message, without colour codes, at most `max` characters. */
export function firstLine(message: string | undefined, max = 160): string {
  const line = (message ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).find((l) => l.length > 0);
  return (line ?? 'no message').slice(0, max);
}

export interface VitestFileResult {
  name: string;
  status: string;
  message?: string;
  assertionResults?: Array<{ status: string; fullName?: string; title?: string; failureMessages?: string[] }>;
}

/** `file › full name: first error line` for every failed vitest test (`name` relative to `root`). */
export function vitestFailures(files: VitestFileResult[], relative: (file: string) => string): string[] {
  return files.flatMap((file) =>
    (file.assertionResults ?? [])
      .filter((a) => a.status === 'failed')
      .map((a) => `${relative(file.name)} › ${a.fullName ?? a.title ?? '?'}: ${firstLine(a.failureMessages?.[0])}`),
  );
}

export interface PlaywrightSuite {
  title?: string;
  specs?: Array<{ title: string; file?: string; line?: number; tests?: Array<{ status?: string; results?: Array<{ error?: { message?: string } }> }> }>;
  suites?: PlaywrightSuite[];
}

/**
 * `file:line › describe › title: first error line` for every test Playwright counted as
 * unexpected (failed on every try). Top-level suites are spec files (their title is the
 * file, which the spec's location already gives); nested suites are `describe` blocks.
 */
export function playwrightFailures(suites: PlaywrightSuite[] | undefined, describes: string[] = [], topLevel = true): string[] {
  const out: string[] = [];
  for (const suite of suites ?? []) {
    const here = topLevel ? [] : [...describes, suite.title ?? ''];
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'unexpected') continue;
        const last = t.results?.[t.results.length - 1];
        out.push(`${spec.file ?? '?'}:${spec.line ?? 0} › ${[...here, spec.title].join(' › ')}: ${firstLine(last?.error?.message)}`);
      }
    }
    out.push(...playwrightFailures(suite.suites, here, false));
  }
  return out;
}
