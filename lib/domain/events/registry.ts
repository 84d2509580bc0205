// Event types and their schemas, typed by an event map: type name → the newest
// schema, plus the older versions with an upcast each. Decoding checks data
// against the schema of the version it was written in and upcasts it step by
// step, so handlers only ever see the newest shape, typed from that map.
import type { z } from 'zod';
import type { EventEnvelope } from './envelope';

/** A version older than the newest: its schema and the step to the next version's data. */
export interface OlderVersion<S extends z.ZodType = z.ZodType> {
  schema: S;
  upcast(data: z.output<S>): unknown;
}

export interface EventTypeDefinition<S extends z.ZodType = z.ZodType> {
  /** The newest version's schema: what producers write and handlers get. */
  schema: S;
  /** Versions 1..n-1, oldest first; the newest version is n = older.length + 1. */
  older?: readonly OlderVersion[];
}

export type EventMap = Record<string, EventTypeDefinition>;

export type EventType<M extends EventMap> = keyof M & string;

/** The data of type K, in its newest version. */
export type EventData<M extends EventMap, K extends EventType<M>> = z.output<M[K]['schema']>;

/** A fact to record: one of the map's types with its data (a discriminated union). */
export type FactOf<M extends EventMap> = { [K in EventType<M>]: { type: K; data: EventData<M, K> } }[EventType<M>];

/** A decoded envelope of one of the map's types (a discriminated union on `type`). */
export type EventOf<M extends EventMap> = { [K in EventType<M>]: Omit<EventEnvelope<EventData<M, K>>, 'type'> & { type: K } }[EventType<M>];

export interface EventVersionDefinition {
  version: number;
  schema: z.ZodType;
  /** Turns this version's data into the next version's data. Absent on the newest version. */
  upcast?: (data: unknown) => unknown;
}

export class EventRegistry<M extends EventMap = EventMap> {
  private readonly types = new Map<string, EventVersionDefinition[]>();

  constructor(readonly events: M) {
    for (const [type, definition] of Object.entries(events)) {
      const older = (definition.older ?? []).map((v, i) => ({ version: i + 1, schema: v.schema, upcast: (d: unknown) => v.upcast(d) }));
      this.types.set(type, [...older, { version: older.length + 1, schema: definition.schema }]);
    }
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  latestVersion(type: string): number | undefined {
    return this.types.get(type)?.length;
  }

  versionsOf(type: string): readonly EventVersionDefinition[] | undefined {
    return this.types.get(type);
  }

  typeNames(): string[] {
    return [...this.types.keys()];
  }
}
