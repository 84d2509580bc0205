// Pure run planning: decodes one partition's messages and decides, from a
// position, what comes next — skip a message, dead-letter it at once (it cannot
// be decoded), or apply a run of decodable, handled messages. A run passes over
// messages of known types this consumer does not handle (they need nothing but
// their offset), so a consumer of one type in four still gets long runs.
import { randomBytes } from 'node:crypto';
import type { AppError } from '../../errors';
import { decodeMessage, type DecodeResult } from '../../domain/events/decode';
import type { EventRegistry } from '../../domain/events/registry';
import { newTraceContext } from '../../domain/events/trace-context';
import type { BatchItem } from '../consumer-definition';
import type { RawHeader } from '../ports';
import type { IncomingMessage } from './deps';

export interface Decoded {
  message: IncomingMessage;
  result: DecodeResult;
}

export interface ReadyItem extends BatchItem {
  decoded: Decoded;
  /** Its position in the decoded messages. */
  index: number;
}

export type Step =
  | { kind: 'skip'; decoded: Decoded }
  | { kind: 'dead-letter'; decoded: Decoded; error: AppError }
  | { kind: 'run'; items: ReadyItem[] }
  /** Sequenced dead-lettering: an earlier event of its subject is in the DLQ; store it behind that one. */
  | { kind: 'park'; item: ReadyItem; behind: string };

export interface PlanRules {
  handles: ReadonlySet<string>;
  registry: Pick<EventRegistry, 'has'>;
  maxChunk: number;
  /** Messages already finished elsewhere (their event was dead-lettered by this consumer): never part of a run. */
  settled?: (decoded: Decoded) => boolean;
  /** For a sequenced consumer: the DLQ row an item must wait behind, or null. */
  blockerOf?: (item: ReadyItem) => string | null;
}

const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

export function headerValue(headers: readonly RawHeader[], key: string): string | undefined {
  const h = headers.find((x) => x.key === key);
  return h ? Buffer.from(h.valueBase64, 'base64').toString('utf8') : undefined;
}

export function decodeIncoming(registry: EventRegistry, message: IncomingMessage, maxBytes: number | undefined): Decoded {
  const headers = { traceparent: headerValue(message.headers, 'traceparent') };
  const result = decodeMessage(registry, { value: message.value, headers }, { maxBytes, newTrace: () => newTraceContext(randomHex) });
  return { message, result };
}

/** The item to apply for a decoded message, or null when it is not this consumer's to apply. */
function readyItem(decoded: Decoded, index: number, rules: PlanRules): ReadyItem | null {
  if (!decoded.result.ok || !rules.handles.has(decoded.result.envelope.type) || rules.settled?.(decoded)) return null;
  const { topic, partition, offset } = decoded.message;
  return { event: decoded.result.envelope, message: { topic, partition, offset }, decoded, index };
}

/** A known event type this consumer does not handle (valid or not): its data or version is not this consumer's concern. */
function othersBusiness(decoded: Decoded, rules: PlanRules): boolean {
  const type = decoded.result.ok ? decoded.result.envelope.type : decoded.result.partial.type;
  return type !== undefined && rules.registry.has(type) && !rules.handles.has(type);
}

/**
 * What to do with decoded[from] (and, for a run, the messages after it). A run's
 * items are not always adjacent: messages of others' types between them belong to
 * the run (finished with it); the run ends before anything else.
 */
export function nextStep(decoded: readonly Decoded[], from: number, rules: PlanRules): Step {
  const current = decoded[from]!;
  const { result } = current;
  if (!result.ok) return othersBusiness(current, rules) ? { kind: 'skip', decoded: current } : { kind: 'dead-letter', decoded: current, error: result.error };
  const items: ReadyItem[] = [];
  for (let i = from; i < decoded.length && items.length < rules.maxChunk; i++) {
    const item = readyItem(decoded[i]!, i, rules);
    if (!item) {
      if (items.length > 0 && othersBusiness(decoded[i]!, rules)) continue;
      break;
    }
    const behind = rules.blockerOf?.(item);
    if (behind) {
      if (items.length === 0) return { kind: 'park', item, behind };
      break; // the run ends before it; it is parked next
    }
    items.push(item);
  }
  return items.length === 0 ? { kind: 'skip', decoded: current } : { kind: 'run', items };
}
