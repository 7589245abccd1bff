/**
 * Runs `work` over `items` with at most `limit` calls in flight and hands each result to `emit`
 * in input order, one at a time: the work overlaps (storage latency, decoding) while the output
 * (a JSON stream, a list) stays deterministic. Memory is bounded by `limit` results.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => Promise<void> | void,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  const inFlight: Promise<R>[] = [];
  let emitted = 0;
  try {
    for (let index = 0; index < items.length; index++) {
      const pending = work(items[index], index);
      // Awaited in order below; until then a rejection must not count as unhandled.
      pending.catch(() => undefined);
      inFlight.push(pending);
      if (inFlight.length >= limit) {
        await emit(await inFlight.shift()!, emitted);
        emitted++;
      }
    }
    while (inFlight.length > 0) {
      await emit(await inFlight.shift()!, emitted);
      emitted++;
    }
  } finally {
    // After a failure, let the calls already started settle before the error propagates.
    await Promise.allSettled(inFlight);
  }
}
