// W3C trace context (traceparent) parsing and formatting, pure.

export interface TraceContext {
  traceId: string; // 32 hex
  spanId: string; // 16 hex
  flags: string; // 2 hex
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(value: unknown): TraceContext | null {
  if (typeof value !== 'string') return null;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return null;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, flags };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

/** A fresh context from random bytes supplied by the caller (16 + 8 bytes). */
export function newTraceContext(randomHex: (bytes: number) => string): TraceContext {
  return { traceId: randomHex(16), spanId: randomHex(8), flags: '01' };
}
