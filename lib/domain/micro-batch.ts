// Gathers single calls made within a short window into one call with all of them,
// and gives each caller its own result (as a producer's linger.ms does for sends).
// A batch is flushed when it holds maxBatch items or lingerMs after its first item.
// When the batch call fails, every caller in it gets that failure.

export interface MicroBatchOptions {
  maxBatch: number;
  lingerMs: number;
}

export function microBatch<T, R>(flush: (items: T[]) => Promise<R[]>, options: MicroBatchOptions): (item: T) => Promise<R> {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error('microBatch: maxBatch must be a positive integer');
  let pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  function send(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    flush(batch.map((p) => p.item)).then(
      (results) => {
        if (results.length !== batch.length) {
          const error = new Error(`microBatch: ${results.length} results for ${batch.length} items`);
          for (const p of batch) p.reject(error);
          return;
        }
        batch.forEach((p, i) => p.resolve(results[i]!));
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= options.maxBatch) send();
      else if (!timer) timer = setTimeout(send, options.lingerMs);
    });
}
