// The rebuild's pure parts: the cut as an SQL filter (numbers checked before they
// are inlined), and the key-ordered fold over pages — every key written exactly once
// whatever the page boundaries, the resume key always a finished key, event counts
// adding up to the events read, and a fold resumed after any page's key giving
// the same rows as one that never stopped.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { cutFilterSql, foldLog, type FoldPage } from '@/lib/backbone/projection-rebuild';
import type { DriftSpec } from '@/lib/backbone/projection-drift';
import { createOrderEventRegistry, ORDERS_TOPIC } from '@/lib/demo/orders/events';
import { customerStatsProjection, type CustomerStatsRow } from '@/lib/demo/projections/customer-stats';
import type { EventRegistry } from '@/lib/domain/events/registry';

const registry = createOrderEventRegistry() as unknown as EventRegistry;
const spec = { definition: customerStatsProjection } as unknown as DriftSpec<CustomerStatsRow>;
const cut = [{ topic: ORDERS_TOPIC, partition: 0, offset: '99' }];

function placed(customerId: string, amountCents: number) {
  const orderId = randomUUID();
  return {
    k: customerId,
    envelope: JSON.stringify({
      specversion: '1.0', id: randomUUID(), type: 'orders.OrderPlaced', version: 2, time: '2026-01-01T00:00:00.000Z', source: '/t', subject: orderId,
      datacontenttype: 'application/json', data: { orderId, customerId, amountCents, currency: 'EUR', channel: 'api' },
    }),
  };
}

/** A stream that hands `rows` (already in key order) over in pages, skipping keys up to the resume key as the SQL would. */
function pagedStream(rows: Array<{ k: string; envelope: string }>) {
  return {
    async stream<R>(_sql: string, params: unknown[], pageSize: number, onPage: (rows: R[]) => Promise<void>) {
      const after = params[2] as string | null;
      const left = rows.filter((r) => after === null || r.k > after);
      for (let i = 0; i < left.length; i += pageSize) await onPage(left.slice(i, i + pageSize) as R[]);
    },
  };
}

async function fold(rows: Array<{ k: string; envelope: string }>, pageSize: number, afterKey: string | null = null) {
  const pages: FoldPage<CustomerStatsRow>[] = [];
  const end = await foldLog(pagedStream(rows), registry, spec, cut, { afterKey, pageSize }, async (p) => void pages.push(p));
  return { pages, end, written: [...pages.flatMap((p) => p.rows), ...end.rows] };
}

describe('cutFilterSql', () => {
  it('is a CASE per topic and partition with the offsets inlined and topics as a parameter', () => {
    const { sql, topics } = cutFilterSql([{ topic: 'a', partition: 0, offset: '5' }, { topic: 'a', partition: 3, offset: '-1' }, { topic: 'b', partition: 1, offset: '7' }], 2);
    expect(topics).toEqual(['a', 'b']);
    expect(sql).toBe('e.topic = ANY($2::text[]) AND e."offset" <= (CASE WHEN e.topic = ($2::text[])[1] THEN CASE e.partition WHEN 0 THEN 5 WHEN 3 THEN -1 END '
      + 'WHEN e.topic = ($2::text[])[2] THEN CASE e.partition WHEN 1 THEN 7 END END)');
  });
  it('refuses anything but integers where it inlines', () => {
    expect(() => cutFilterSql([{ topic: 'a', partition: 0, offset: '1; DROP TABLE x' }], 1)).toThrow(/invalid cut/);
    expect(() => cutFilterSql([{ topic: 'a', partition: 0.5, offset: '1' }], 1)).toThrow(/invalid cut/);
  });
});

describe('foldLog', () => {
  it('writes each key once with all its events, whatever the page size; counts add up; resume key is always finished', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 9 }),
      async (perKey, pageSize) => {
        const rows = perKey.flatMap((n, i) => Array.from({ length: n }, (_, j) => placed(`c-${String(i).padStart(3, '0')}`, 100 + j)));
        const { pages, end, written } = await fold(rows, pageSize);
        expect(written.map((r) => r.customerId)).toEqual(perKey.map((_, i) => `c-${String(i).padStart(3, '0')}`));
        expect(written.map((r) => r.ordersPlaced)).toEqual(perKey);
        expect(pages.reduce((n, p) => n + p.events, 0) + end.events).toBe(rows.length);
        let written_so_far = 0;
        for (const page of pages) {
          written_so_far += page.rows.length;
          // The resume key is the last key written so far (null before any).
          expect(page.afterKey).toBe(written_so_far === 0 ? null : `c-${String(written_so_far - 1).padStart(3, '0')}`);
        }
      },
    ), { numRuns: 60 });
  });

  it('a fold resumed after any page gives the rows the uninterrupted fold gives', async () => {
    const rows = [3, 1, 4, 1, 5, 9, 2, 6].flatMap((n, i) => Array.from({ length: n }, () => placed(`c-${i}`, 10)));
    const whole = await fold(rows, 4);
    for (let stopAfter = 0; stopAfter < whole.pages.length; stopAfter++) {
      const done = whole.pages.slice(0, stopAfter + 1);
      const resumed = await fold(rows, 4, done.at(-1)!.afterKey);
      const merged = [...done.flatMap((p) => p.rows), ...resumed.written];
      expect(merged.map((r) => [r.customerId, r.ordersPlaced, r.revenueCents])).toEqual(whole.written.map((r) => [r.customerId, r.ordersPlaced, r.revenueCents]));
      expect(done.reduce((n, p) => n + p.events, 0) + resumed.pages.reduce((n, p) => n + p.events, 0) + resumed.end.events).toBe(rows.length);
    }
  });
});
