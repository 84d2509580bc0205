// The replay topic a consumer's replayed events must come from, written out here rather than
// taken from lib/backbone (the checkers do not reuse the code they judge):
// `signalbox.replay.<consumer>.v1`, after `<KAFKA_TOPIC_PREFIX>.` when that is set (the int
// layer sets it; see tests/support/test-topic-prefix.ts).
export function expectedReplayTopicPrefix(): string {
  const prefix = process.env.KAFKA_TOPIC_PREFIX;
  return `${prefix ? `${prefix}.` : ''}signalbox.replay.`;
}

export function expectedReplayTopic(consumer: string): string {
  return `${expectedReplayTopicPrefix()}${consumer}.v1`;
}
