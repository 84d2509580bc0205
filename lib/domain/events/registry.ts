// Event types and their schemas, one zod schema per type+version. Older versions
// are upcast step by step to the newest one when read, so handlers only ever
// see the current shape.
import type { z } from 'zod';

export interface EventVersionDefinition {
  version: number;
  schema: z.ZodType;
  /** Turns this version's data into the next version's data. Absent on the newest version. */
  upcast?: (data: unknown) => unknown;
}

export interface EventTypeDefinition {
  type: string;
  versions: readonly EventVersionDefinition[];
}

export class EventRegistry {
  private readonly types = new Map<string, EventVersionDefinition[]>();

  constructor(definitions: readonly EventTypeDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: EventTypeDefinition): this {
    if (this.types.has(definition.type)) throw new Error(`Event type ${definition.type} is registered twice`);
    const versions = [...definition.versions].sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      if (v.version !== i + 1) throw new Error(`${definition.type}: versions must be 1..n without gaps`);
      if (i < versions.length - 1 && !v.upcast) throw new Error(`${definition.type} v${v.version} needs an upcast`);
    });
    this.types.set(definition.type, versions);
    return this;
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
