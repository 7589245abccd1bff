/**
 * Query images, fetched with the bearer token and decoded ahead of time, so moving to the next
 * query swaps a ready picture in (no request, no decode, no flash).
 */

export class AssetCache {
  /** @param {import('./api.js').Api} api */
  constructor(api) {
    this.api = api;
    /** @type {Map<string, Promise<string>>} queryId → object URL of the decoded PNG */
    this.urls = new Map();
    /** @type {Map<string, string>} the same, for the pictures already decoded */
    this.decoded = new Map();
  }

  /** The object URL of `query`'s asset if it is decoded already (shown without waiting). */
  ready(query) {
    return this.decoded.get(query.queryId);
  }

  /** The object URL of `query`'s asset, decoded; fetched once per query. */
  load(query) {
    let url = this.urls.get(query.queryId);
    if (url === undefined) {
      url = this.api.asset(query.assetUrl).then(async (blob) => {
        const objectUrl = URL.createObjectURL(blob);
        const image = new Image();
        image.src = objectUrl;
        await image.decode();
        this.decoded.set(query.queryId, objectUrl);
        return objectUrl;
      });
      // A failed load is retried the next time the query is shown.
      url.catch(() => this.urls.delete(query.queryId));
      this.urls.set(query.queryId, url);
    }
    return url;
  }

  /** Starts loading without waiting (the next query's picture). */
  preload(query) {
    if (query !== undefined) this.load(query).catch(() => {});
  }

  /** Frees every picture (a batch is done with). */
  clear() {
    for (const url of this.urls.values()) url.then((u) => URL.revokeObjectURL(u), () => {});
    this.urls.clear();
    this.decoded.clear();
  }
}
