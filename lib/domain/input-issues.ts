// The one shape of "what was wrong with the input": a dotted path and a message
// per problem, made from a zod error. API error bodies, the demo's command and
// knob validation and the CLIs' argument errors all use it. Structural types,
// so this stays free of zod's classes and usable in client code.

export interface InputIssue {
  /** Dotted path of the offending field ('' for the input as a whole). */
  path: string;
  message: string;
}

interface IssueSource {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}

export function inputIssues(error: IssueSource): InputIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** One line for logs and CLIs: `path: message; path: message`. */
export function formatInputIssues(issues: ReadonlyArray<InputIssue>, prefix = ''): string {
  return issues.map((i) => `${prefix}${i.path || '(input)'}: ${i.message}`).join('; ');
}
