import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@/lib/adapters/prisma/client';
import { AppError } from '@/lib/errors';
import { DEFAULT_KNOBS, createKnobCache, readKnobs, updateKnobs } from '@/lib/demo/knobs';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase('demo_knobs');
  db = createDb(database.url);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('demo knobs in the database', () => {
  it('reads defaults while no row exists', async () => {
    expect(await readKnobs(db)).toEqual(DEFAULT_KNOBS);
  });

  it('merges an update into the stored knobs and records who changed them', async () => {
    await updateKnobs(db, { ratePerSecond: 5 }, 'cli:ada');
    const knobs = await updateKnobs(db, { poisonShare: 0.1, slowConsumer: 'shipping' }, 'console:ops@example.com');
    expect(knobs).toEqual({ ...DEFAULT_KNOBS, ratePerSecond: 5, poisonShare: 0.1, slowConsumer: 'shipping' });
    expect(await readKnobs(db)).toEqual(knobs);
    const row = await db.demoKnobs.findUniqueOrThrow({ where: { id: 1 } });
    expect(row.updatedBy).toBe('console:ops@example.com');
  });

  it('refuses invalid updates and leaves the stored knobs alone', async () => {
    const before = await readKnobs(db);
    for (const patch of [{ ratePerSecond: 1000 }, { nope: 1 }, { transientFailureShare: 0.9, permanentFailureShare: 0.9 }, null, 'rate=5', { slowConsumer: 'DROP TABLE' }]) {
      const error = await updateKnobs(db, patch, 'cli:ada').then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('bad_request');
    }
    // The sum rule also holds against what is already stored.
    await updateKnobs(db, { transientFailureShare: 0.6 }, 'cli:ada');
    await expect(updateKnobs(db, { permanentFailureShare: 0.5 }, 'cli:ada')).rejects.toMatchObject({ code: 'bad_request' });
    await updateKnobs(db, { transientFailureShare: before.transientFailureShare }, 'cli:ada');
    expect(await readKnobs(db)).toEqual(before);
    await expect(updateKnobs(db, { ratePerSecond: 1 }, '')).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('concurrent updates of different knobs both survive', async () => {
    await Promise.all([updateKnobs(db, { slowMs: 1234 }, 'a'), updateKnobs(db, { stoppedConsumer: 'payments' }, 'b'), updateKnobs(db, { ratePerSecond: 7 }, 'c')]);
    expect(await readKnobs(db)).toMatchObject({ slowMs: 1234, stoppedConsumer: 'payments', ratePerSecond: 7 });
  });

  it('falls back per field when the stored JSON was edited by hand', async () => {
    await db.demoKnobs.update({ where: { id: 1 }, data: { settings: { ratePerSecond: 'fast', poisonShare: 0.3, legacyKnob: true } } });
    expect(await readKnobs(db)).toEqual({ ...DEFAULT_KNOBS, poisonShare: 0.3 });
  });

  it('the cache sees a change on its next refresh and tells its listeners', async () => {
    await updateKnobs(db, { ratePerSecond: 3 }, 'a');
    const cache = createKnobCache(db, 50);
    await cache.start();
    expect(cache.get().ratePerSecond).toBe(3);
    const changes: number[] = [];
    cache.onChange((next) => changes.push(next.ratePerSecond));
    await updateKnobs(db, { ratePerSecond: 9 }, 'a');
    await expect.poll(() => cache.get().ratePerSecond, { timeout: 2_000 }).toBe(9);
    cache.stop();
    expect(changes).toEqual([9]);
  });
});
