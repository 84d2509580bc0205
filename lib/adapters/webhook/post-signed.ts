// POSTs one notification body, signed (lib/domain/checks/webhook-signature.ts), with a
// timeout. Any 2xx is delivered; everything else (status, network error, timeout) is a
// failure the caller retries with backoff.
import { SIGNATURE_HEADER, signPayload } from '../../domain/checks/webhook-signature';

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export async function postSigned(o: { url: string; secret: string; body: string; now: Date; timeoutMs: number }): Promise<PostResult> {
  const signature = signPayload(o.secret, o.body, Math.floor(o.now.getTime() / 1000));
  try {
    const res = await fetch(o.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'user-agent': 'signalbox-checks/1' },
      body: o.body,
      redirect: 'manual', // a redirect is not a delivery, and is not followed to another host
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    return res.status >= 200 && res.status < 300 ? { ok: true, status: res.status, error: null } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, status: null, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
