/**
 * Dataset items processed at once by validation and import: enough to hide storage latency and
 * keep sharp's thread pool busy, few enough that the decoded maps of the items in flight stay small.
 */
export const DEFAULT_ITEM_CONCURRENCY = 8;

/**
 * Runs `work` over `items` with at most `limit` calls in flight, so memory stays bounded however
 * long the list. After a failure no new item starts; the calls in flight finish, then the first
 * error is thrown.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
