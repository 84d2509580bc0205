// OpenTelemetry for the backbone's processes. A tracer provider is always
// registered (so spans get real ids and the W3C context flows through async
// code and Kafka headers); spans are exported only when an OTLP endpoint is set.
import { context, propagation, trace, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { NodeTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { TraceContext } from '../../domain/events/trace-context';

let provider: NodeTracerProvider | undefined;

export function startTracing(options: { serviceName: string; otlpEndpoint?: string; spanProcessors?: SpanProcessor[] }): { shutdown(): Promise<void> } {
  if (!provider) {
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName }),
      spanProcessors: [
        ...(options.otlpEndpoint ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }))] : []),
        ...(options.spanProcessors ?? []),
      ],
    });
    provider.register();
  }
  const p = provider;
  return { shutdown: () => p.shutdown() };
}

export const tracer = () => trace.getTracer('signalbox');

/** The active span's trace context, when there is a valid one. */
export function activeTraceContext(ctx: Context = context.active()): TraceContext | null {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return null;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId, flags: spanContext.traceFlags.toString(16).padStart(2, '0') };
}

/** A context whose parent is the given W3C traceparent (from an envelope or Kafka headers). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/** Runs fn inside a span; records the error and rethrows on failure. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
