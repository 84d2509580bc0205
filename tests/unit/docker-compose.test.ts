// Docker cannot run here, so the compose file is checked against the code:
// every service the stack needs is there, with healthchecks, the right ports,
// and environment names that the process's configuration schema knows. And it
// ships no usable secret (each must come from the environment, `${VAR:?message}`)
// and publishes nothing beyond the host's loopback.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { consoleEnvSchema, migrateEnvSchema, userCreateEnvSchema } from '@/lib/config/schemas';
import { relayEnvSchema } from '@/lib/config/relay-env';
import { consumersEnvSchema } from '@/lib/config/consumers-env';
import { ordersApiEnvSchema } from '@/lib/config/orders-api-env';
import { trafficEnvSchema } from '@/lib/config/traffic-env';
import { maintenanceEnvSchema } from '@/lib/config/maintenance-env';
import { parseEnv } from '@/lib/config/parse-env';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: unknown;
}
const compose = parse(readFileSync(new URL('../../infra/docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

const SECRETS = ['POSTGRES_PASSWORD', 'NEXTAUTH_SECRET'];
const sampleEnv = { POSTGRES_PASSWORD: 'b3f1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8', NEXTAUTH_SECRET: 'x'.repeat(44) };

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (the forms this file may use). */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`required variable ${name} is missing: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

const environmentOf = (name: string, env: Record<string, string | undefined> = sampleEnv) =>
  Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]));

const processes: Record<string, { schema: z.ZodObject; entry: string }> = {
  console: { schema: consoleEnvSchema as unknown as z.ZodObject, entry: 'next' },
  relay: { schema: relayEnvSchema, entry: 'workers/outbox-relay/index.ts' },
  consumers: { schema: consumersEnvSchema, entry: 'workers/demo-consumers/index.ts' },
  'orders-api': { schema: ordersApiEnvSchema, entry: 'workers/orders-api/index.ts' },
  traffic: { schema: trafficEnvSchema, entry: 'workers/traffic-generator/index.ts' },
  maintenance: { schema: maintenanceEnvSchema, entry: 'workers/maintenance/index.ts' },
  migrate: { schema: migrateEnvSchema, entry: 'scripts/db-migrate.ts' },
  'create-admin': { schema: userCreateEnvSchema, entry: 'scripts/user-create.ts' },
};

describe('infra/docker-compose.yml', () => {
  it('has a broker, PostgreSQL, the console and every worker', () => {
    for (const name of ['postgres', 'redpanda', ...Object.keys(processes)]) expect(services[name], name).toBeDefined();
  });

  it('gives the long-running infrastructure and servers healthchecks', () => {
    for (const name of ['postgres', 'redpanda', 'console', 'orders-api']) expect(services[name]?.healthcheck, name).toBeDefined();
  });

  it('publishes the console on 3000, the orders API on 3100, Kafka on 19092 and PostgreSQL on 5432, on 127.0.0.1 only', () => {
    expect(services.console?.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(services['orders-api']?.ports).toEqual(['127.0.0.1:3100:3100']);
    expect(services.redpanda?.ports).toEqual(['127.0.0.1:19092:19092']);
    expect(services.postgres?.ports).toEqual(['127.0.0.1:5432:5432']);
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(String(port), `${name} publishes ${port}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('ships no secret or password: each is required from the environment', () => {
    const text = readFileSync(new URL('../../infra/docker-compose.yml', import.meta.url), 'utf8');
    expect(text).not.toMatch(/signalbox:signalbox@/);
    expect(text).not.toMatch(/change-me/);
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (SECRETS.includes(key)) expect(String(value), `${name}.${key}`).toMatch(new RegExp(`^\\$\\{${key}:\\?[^}]+\\}$`));
        if (key === 'DATABASE_URL') expect(String(value), `${name}.DATABASE_URL`).toMatch(/^postgresql:\/\/signalbox:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
      }
    }
    for (const secret of SECRETS) {
      expect(() => environmentOf(secret === 'NEXTAUTH_SECRET' ? 'console' : 'postgres', { ...sampleEnv, [secret]: undefined })).toThrow(new RegExp(`${secret} is missing`));
    }
  });

  it.each(Object.entries(processes))('%s runs its entry point with only variables its schema knows, and they parse', (name, { schema, entry }) => {
    const service = services[name]!;
    expect(service.command?.join(' ')).toContain(entry);
    const known = new Set(Object.keys(schema.shape));
    const env = environmentOf(name);
    for (const variable of Object.keys(env)) expect(known.has(variable), `${name}: ${variable} is not in its schema`).toBe(true);
    expect(() => parseEnv(schema, env, name)).not.toThrow();
  });

  it('points every process at the compose PostgreSQL and broker', () => {
    for (const name of Object.keys(processes)) {
      expect(environmentOf(name).DATABASE_URL, name).toBe(`postgresql://signalbox:${sampleEnv.POSTGRES_PASSWORD}@postgres:5432/signalbox`);
    }
    for (const name of ['console', 'relay', 'consumers', 'orders-api', 'traffic']) expect(services[name]!.environment?.KAFKA_BROKERS).toBe('redpanda:9092');
  });
});
