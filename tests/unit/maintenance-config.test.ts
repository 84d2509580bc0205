import { describe, expect, it } from 'vitest';
import { maintenanceEnvSchema, MAX_PRUNE_BATCH_SIZE } from '@/lib/config/maintenance-env';
import { parseEnv } from '@/lib/config/parse-env';
import { configErrorMessage } from '../support/config-error';

describe('maintenance configuration', () => {
  it('has the documented defaults', () => {
    const env = parseEnv(maintenanceEnvSchema, {}, 'maintenance');
    expect(env).toMatchObject({
      MAINTENANCE_ATTEMPTS_RETENTION_DAYS: 7,
      MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS: 30,
      MAINTENANCE_BATCH_SIZE: 5000,
      MAINTENANCE_BATCH_PAUSE_MS: 100,
      MAINTENANCE_INTERVAL_SECONDS: 300,
    });
  });

  it('accepts the bounds', () => {
    const env = parseEnv(maintenanceEnvSchema, { MAINTENANCE_ATTEMPTS_RETENTION_DAYS: '1', MAINTENANCE_BATCH_SIZE: String(MAX_PRUNE_BATCH_SIZE) }, 'maintenance');
    expect(env.MAINTENANCE_ATTEMPTS_RETENTION_DAYS).toBe(1);
    expect(env.MAINTENANCE_BATCH_SIZE).toBe(MAX_PRUNE_BATCH_SIZE);
  });

  it.each([
    ['MAINTENANCE_ATTEMPTS_RETENTION_DAYS', '0'],
    ['MAINTENANCE_ATTEMPTS_RETENTION_DAYS', '-7'],
    ['MAINTENANCE_ATTEMPTS_RETENTION_DAYS', '1.5'],
    ['MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS', '0'],
    ['MAINTENANCE_IDEMPOTENCY_RETENTION_DAYS', 'forever'],
    ['MAINTENANCE_BATCH_SIZE', '0'],
    ['MAINTENANCE_BATCH_SIZE', String(MAX_PRUNE_BATCH_SIZE + 1)],
    ['MAINTENANCE_BATCH_SIZE', '1e9'],
    ['MAINTENANCE_BATCH_PAUSE_MS', '-1'],
    ['MAINTENANCE_INTERVAL_SECONDS', '1'],
    ['DATABASE_URL', 'mysql://x'],
  ])('rejects %s=%j with the variable named', (name, value) => {
    const message = configErrorMessage(() => parseEnv(maintenanceEnvSchema, { [name]: value }, 'maintenance'));
    expect(message).toContain(name);
    expect(message).toContain('maintenance');
  });
});
