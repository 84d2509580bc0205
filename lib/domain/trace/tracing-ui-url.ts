// "Open in tracing UI": a link built from a URL template in server configuration
// (TRACING_UI_URL_TEMPLATE, e.g. https://jaeger.example/trace/{traceId}), never from
// user input. Pure: the template is checked when configuration is parsed, and the
// trace id is URL-encoded into it.
import { z } from 'zod';

export const TRACE_ID_PLACEHOLDER = '{traceId}';

export const tracingUiUrlTemplateSchema = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .max(2000)
    .refine((v) => v.includes(TRACE_ID_PLACEHOLDER), `must contain ${TRACE_ID_PLACEHOLDER}`)
    .refine((v) => {
      try {
        const url = new URL(v.replaceAll(TRACE_ID_PLACEHOLDER, '0'));
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    }, 'must be an http(s) URL without credentials, e.g. https://jaeger.example/trace/{traceId}')
    .optional(),
);

/** The tracing UI's URL for a trace, or null when no template is configured. */
export function tracingUiUrl(template: string | undefined, traceId: string): string | null {
  if (!template) return null;
  return template.replaceAll(TRACE_ID_PLACEHOLDER, encodeURIComponent(traceId));
}
