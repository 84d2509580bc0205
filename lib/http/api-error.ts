// The body of every error the console's API answers with, one type for the
// server that writes it (api-route.ts, proxy.ts) and the client components that
// read it. Nothing here is server-only, so client code may import it.
import type { ErrorCode } from '../errors';
import type { InputIssue } from '../domain/input-issues';

export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: { issues?: InputIssue[] } & Record<string, unknown>;
  };
}

export function apiErrorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ApiErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** The error in a parsed response body, or null when it is not an API error body. */
export function parseApiError(body: unknown): ApiErrorBody['error'] | null {
  if (!body || typeof body !== 'object' || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (!error || typeof error !== 'object') return null;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  const issues = details && typeof details === 'object' ? (details as { issues?: unknown }).issues : undefined;
  const validIssues = Array.isArray(issues)
    ? issues.filter((i): i is InputIssue => !!i && typeof i === 'object' && typeof i.path === 'string' && typeof i.message === 'string')
    : undefined;
  return {
    code: code as ErrorCode,
    message,
    ...(details && typeof details === 'object' ? { details: { ...(details as Record<string, unknown>), issues: validIssues } } : {}),
  };
}

/** Client side: one readable sentence for a failed response (message, then each field's problem). */
export async function apiErrorMessage(res: Response): Promise<string> {
  const body: unknown = await res.json().catch(() => null);
  const error = parseApiError(body);
  if (!error) return `The console answered ${res.status}.`;
  const issues = error.details?.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
  return issues ? `${error.message} ${issues}` : error.message;
}
