// Injected failures for the demo's consumers, driven by the live knobs: so the
// console has retries, dead letters and lag to show. Passed to each consumer
// at construction; the random source and the sleep are injectable for tests.
import { AppError } from '../../errors';
import type { DemoKnobs } from '../knobs';

export interface FaultInjector {
  /** Runs before a consumer handles an event: may sleep (slow consumer) and may throw an injected failure. */
  beforeHandle(consumer: string, eventId: string): Promise<void>;
  /** True while the knobs slow `consumer` down (each event sleeps): it should then take one event per transaction. */
  slows(consumer: string): boolean;
}

export interface FaultInjectorOptions {
  knobs: () => Pick<DemoKnobs, 'transientFailureShare' | 'permanentFailureShare' | 'slowConsumer' | 'slowMs'>;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  return {
    slows(consumer) {
      const knobs = options.knobs();
      return knobs.slowConsumer === consumer && knobs.slowMs > 0;
    },
    async beforeHandle(consumer, eventId) {
      const knobs = options.knobs();
      if (knobs.slowConsumer === consumer && knobs.slowMs > 0) await sleep(knobs.slowMs);
      const r = random();
      const details = { injected: true, eventId };
      if (r < knobs.transientFailureShare) {
        throw new AppError('transient', `Injected transient failure in ${consumer} (knob transientFailureShare=${knobs.transientFailureShare}).`, { details });
      }
      if (r < knobs.transientFailureShare + knobs.permanentFailureShare) {
        throw new AppError('permanent', `Injected permanent failure in ${consumer} (knob permanentFailureShare=${knobs.permanentFailureShare}).`, { details });
      }
    },
  };
}

/** No faults: for tests and for running the demo consumers "clean". */
export const noFaults: FaultInjector = { beforeHandle: async () => {}, slows: () => false };
