// "Open in tracing UI": the template comes from server configuration and is checked
// there; the trace id is URL-encoded into it.
import { describe, expect, it } from 'vitest';
import { consoleEnvSchema } from '@/lib/config/schemas';
import { tracingUiUrl, tracingUiUrlTemplateSchema } from '@/lib/domain/trace/tracing-ui-url';

describe('tracing UI URL template', () => {
  it('accepts http(s) templates with the placeholder, and nothing else', () => {
    expect(tracingUiUrlTemplateSchema.safeParse('https://jaeger.example/trace/{traceId}').success).toBe(true);
    expect(tracingUiUrlTemplateSchema.safeParse('http://tempo:3200/explore?traceId={traceId}&x=1').success).toBe(true);
    expect(tracingUiUrlTemplateSchema.safeParse('').data).toBeUndefined();
    for (const bad of ['https://jaeger.example/trace/', 'javascript:alert(1)//{traceId}', 'ftp://x/{traceId}', 'https://user:pw@x/{traceId}', 'not a url {traceId}']) {
      expect(tracingUiUrlTemplateSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('is part of the console configuration and names the variable when wrong', () => {
    const parsed = consoleEnvSchema.safeParse({ TRACING_UI_URL_TEMPLATE: 'javascript:{traceId}' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['TRACING_UI_URL_TEMPLATE']);
    expect(consoleEnvSchema.parse({ TRACING_UI_URL_TEMPLATE: 'https://j.example/t/{traceId}' }).TRACING_UI_URL_TEMPLATE).toBe('https://j.example/t/{traceId}');
  });

  it('URL-encodes the id and gives no link without a template', () => {
    expect(tracingUiUrl('https://j.example/trace/{traceId}', 'abc')).toBe('https://j.example/trace/abc');
    expect(tracingUiUrl('https://j.example/t/{traceId}', 'a/../b?c=1#d')).toBe('https://j.example/t/a%2F..%2Fb%3Fc%3D1%23d');
    expect(tracingUiUrl(undefined, 'abc')).toBeNull();
  });
});
