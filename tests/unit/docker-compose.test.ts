// Docker cannot run here, so the compose file is checked against the code:
// every service the stack needs is there, with healthchecks, the right ports,
// and environment names that the process's configuration schema knows.
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

  it('publishes the console on 3000, the orders API on 3100, Kafka on 19092 and PostgreSQL on 5432', () => {
    expect(services.console?.ports).toContain('3000:3000');
    expect(services['orders-api']?.ports).toContain('3100:3100');
    expect(services.redpanda?.ports).toContain('19092:19092');
    expect(services.postgres?.ports).toContain('5432:5432');
  });

  it.each(Object.entries(processes))('%s runs its entry point with only variables its schema knows, and they parse', (name, { schema, entry }) => {
    const service = services[name]!;
    expect(service.command?.join(' ')).toContain(entry);
    const known = new Set(Object.keys(schema.shape));
    const env = service.environment ?? {};
    for (const variable of Object.keys(env)) expect(known.has(variable), `${name}: ${variable} is not in its schema`).toBe(true);
    expect(() => parseEnv(schema, env, name)).not.toThrow();
  });

  it('points every process at the compose PostgreSQL and broker', () => {
    for (const name of Object.keys(processes)) {
      expect(services[name]!.environment?.DATABASE_URL, name).toMatch(/@postgres:5432\/signalbox$/);
    }
    for (const name of ['console', 'relay', 'consumers', 'orders-api', 'traffic']) expect(services[name]!.environment?.KAFKA_BROKERS).toBe('redpanda:9092');
  });
});
