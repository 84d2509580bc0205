import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { TEST_TOPIC_PREFIX } from './tests/support/test-topic-prefix';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: { alias: { '@': root } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['tests/int/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The tests' own topics on the shared broker (tests/support/test-topic-prefix.ts).
          env: { KAFKA_TOPIC_PREFIX: TEST_TOPIC_PREFIX },
          // Two cores shared with PostgreSQL and Kafka: two files at a time.
          maxWorkers: 2,
          pool: 'forks',
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
