// The cheap decoder of logged envelopes (lib/backbone/recompute-projection.ts) agrees
// with the full decoder where it skips the schema check, and hands older versions and
// anything odd to the full one (docs/projections.md "Reading the log").
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { decodeLogged, decodeLoggedStrict } from '@/lib/backbone/recompute-projection';
import { createOrderEventRegistry } from '@/lib/demo/orders/events';
import type { EventRegistry } from '@/lib/domain/events/registry';

const registry = createOrderEventRegistry() as unknown as EventRegistry;
const latest = registry.versionsOf('orders.OrderPlaced')!.length;

function placed(overrides: Record<string, unknown> = {}) {
  const orderId = randomUUID();
  return {
    specversion: '1.0', id: randomUUID().toUpperCase(), type: 'orders.OrderPlaced', version: latest, time: '2026-01-01T00:00:00.000Z', source: '/t',
    subject: orderId, datacontenttype: 'application/json', trace_id: 'a'.repeat(32), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    causation_id: null, correlation_id: null,
    data: { orderId, customerId: 'c-1', amountCents: 1200, currency: 'EUR', channel: 'api' },
    ...overrides,
  };
}

describe('decodeLogged', () => {
  it('gives what the full decoder gives for an envelope at its newest version, from text or object', () => {
    const envelope = placed();
    const strict = decodeLoggedStrict(registry, JSON.stringify(envelope));
    expect(strict).not.toBeNull();
    expect(decodeLogged(registry, JSON.stringify(envelope))).toEqual(strict);
    expect(decodeLogged(registry, envelope)).toEqual(strict);
  });

  it('refuses what is not an envelope of a registered type', () => {
    expect(decodeLogged(registry, 'not json')).toBeNull();
    expect(decodeLogged(registry, '42')).toBeNull();
    expect(decodeLogged(registry, JSON.stringify(placed({ type: 'orders.Unknown' })))).toBeNull();
  });

  it('sends older versions and malformed envelopes through the full decoder (schema check, upcast)', () => {
    // An older version is checked against its own schema and upcast (OrderPlaced v1 had no channel).
    const { channel: _channel, ...v1data } = placed().data;
    const v1 = decodeLogged(registry, JSON.stringify(placed({ version: 1, data: v1data })));
    expect(v1?.version).toBe(latest);
    expect((v1?.data as { channel: string }).channel).toBe('unknown');
    // A version newer than the registry knows: the full decoder refuses it.
    const older = placed({ version: latest + 1 });
    expect(decodeLogged(registry, JSON.stringify(older))).toBeNull();
    // A missing subject is not patched over: the full decoder refuses it.
    const { subject: _subject, ...noSubject } = placed();
    expect(decodeLogged(registry, JSON.stringify(noSubject))).toBeNull();
    expect(decodeLogged(registry, JSON.stringify(placed({ data: null })))).toBeNull();
  });
});
