// The sampler's memory: recent samples per group, enough for the health window and the
// (end offset, time) pairs that time-lag estimates interpolate over. Pure and bounded.
import type { GroupSample } from './health';
import type { EndSample } from './time-lag';

export class LagHistory {
  private readonly groups = new Map<string, GroupSample[]>();

  constructor(private readonly keepMs: number) {}

  add(groupId: string, sample: GroupSample): void {
    const list = this.groups.get(groupId) ?? [];
    list.push(sample);
    list.sort((a, b) => a.at - b.at);
    const edge = sample.at - this.keepMs;
    // Keep one sample at or before the edge: it is the window's baseline.
    let cut = 0;
    while (cut + 1 < list.length && list[cut + 1]!.at <= edge) cut++;
    this.groups.set(groupId, list.slice(cut));
  }

  samples(groupId: string): readonly GroupSample[] {
    return this.groups.get(groupId) ?? [];
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  /** Sampled high watermarks of one partition, from any sample that saw it. */
  ends(groupId: string, topic: string, partition: number): EndSample[] {
    const out: EndSample[] = [];
    for (const s of this.samples(groupId)) {
      const p = s.partitions.find((x) => x.topic === topic && x.partition === partition);
      if (p) out.push({ at: s.at, end: p.end });
    }
    return out;
  }
}
