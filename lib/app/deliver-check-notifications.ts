// Sends the queued notifications whose time has come: each body is signed at send time
// (fresh timestamp per attempt, so a receiver's replay window holds), failures are
// retried with backoff until CHECKS_WEBHOOK_MAX_ATTEMPTS, every attempt is recorded.
import type pg from 'pg';
import { dueDeliveries, recordAttempt } from '../adapters/prisma/checks-store';
import { postSigned } from '../adapters/webhook/post-signed';
import { retryDelaySeconds } from '../domain/checks/webhook-signature';

export interface WebhookConfig {
  url: string;
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
}

export async function deliverCheckNotifications(pool: pg.Pool, hook: WebhookConfig, now: () => Date): Promise<{ delivered: number; failed: number }> {
  let delivered = 0;
  let failed = 0;
  for (const d of await dueDeliveries(pool, now())) {
    // The stored JSON is sent as is: the signature covers exactly these bytes.
    const body = JSON.stringify(d.payload);
    const r = await postSigned({ url: hook.url, secret: hook.secret, body, now: now(), timeoutMs: hook.timeoutMs });
    const attempt = d.attempts + 1;
    const nextAttemptAt = r.ok || attempt >= hook.maxAttempts ? null : new Date(now().getTime() + retryDelaySeconds(attempt) * 1000);
    await recordAttempt(pool, d.id, { ...r, nextAttemptAt, now: now() });
    if (r.ok) delivered++;
    else failed++;
  }
  return { delivered, failed };
}
