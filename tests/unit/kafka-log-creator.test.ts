import { describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { kafkaLogCreator, STARTUP_GRACE_MS } from '@/lib/adapters/kafka/kafka-client';

function setup(configured: logLevel, age: number) {
  const lines: { line: string; level: logLevel }[] = [];
  const log = kafkaLogCreator({ startedAt: 0, now: () => age, write: (line, level) => lines.push({ line, level }) })(configured);
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
    log({ namespace: 'Connection', level, label: logLevel[level], log: { timestamp: 't', message, logger: 'kafkajs', ...extra } });
  return { lines, entry };
}

describe('kafkaLogCreator', () => {
  it('logs coordinator-loading and topic-settling errors of a young client at debug only', () => {
    const { lines, entry } = setup(logLevel.WARN, 1_000);
    entry(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' });
    entry(logLevel.ERROR, 'Response FindCoordinator', { error: "The coordinator is loading and hence can't process requests" });
    entry(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', { error: 'This server does not host this topic-partition' });
    entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees');
    expect(lines).toEqual([]);
    const debug = setup(logLevel.DEBUG, 1_000);
    debug.entry(logLevel.ERROR, 'Response Metadata', { error: 'This server does not host this topic-partition' });
    expect(debug.lines.map((l) => JSON.parse(l.line).level)).toEqual(['DEBUG']);
  });

  it('keeps other errors, and the same errors once start-up is over, as errors', () => {
    const { lines, entry } = setup(logLevel.WARN, STARTUP_GRACE_MS + 1);
    entry(logLevel.ERROR, 'Response Metadata', { error: 'This server does not host this topic-partition' });
    const young = setup(logLevel.WARN, 10);
    young.entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const all = [...lines, ...young.lines].map((l) => ({ ...JSON.parse(l.line), written: l.level }));
    expect(all.map((l) => [l.written, l.level, l.message])).toEqual([
      [logLevel.ERROR, 'ERROR', '[Connection] Response Metadata'],
      [logLevel.ERROR, 'ERROR', '[Connection] Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ]);
  });
});
