import type { SuperpixelMap } from './types.js';

/**
 * Maps the superpixel ids of one image to compact indices 1..n in increasing id order (0 = no
 * superpixel), so per-superpixel accumulators can live in small preallocated typed arrays whatever
 * the ids are. Increasing-id order makes every per-superpixel output sorted by id.
 */

/** Ids up to this bound use a dense lookup table (4 bytes per possible id); larger ones a Map. */
export const DENSE_ID_LIMIT = 1 << 22;

/**
 * Fills `indexOut[x]` with the compact index of pixel x's superpixel (0 where S is 0) and returns
 * the ids present (excluding 0, ascending: compact index k refers to `ids[k - 1]`). `lookup` is
 * scratch reused between calls; it is returned grown when it was too small.
 */
export function compactSuperpixels(
  superpixels: SuperpixelMap,
  indexOut: Int32Array,
  lookup: Int32Array,
): { ids: Uint32Array; lookup: Int32Array } {
  const pixelCount = superpixels.length;
  // 8- and 16-bit maps bound the ids by their type, which saves a pass to find the largest.
  let maxId = superpixels instanceof Uint32Array ? 0 : superpixels instanceof Uint16Array ? 0xffff : 0xff;
  if (superpixels instanceof Uint32Array) {
    for (let x = 0; x < pixelCount; x++) if (superpixels[x] > maxId) maxId = superpixels[x];
  }
  if (maxId >= DENSE_ID_LIMIT) return { ids: compactSparse(superpixels, indexOut), lookup };

  const table = lookup.length > maxId ? lookup : new Int32Array(Math.max(maxId + 1, lookup.length * 2));
  table.fill(0, 0, maxId + 1);
  for (let x = 0; x < pixelCount; x++) table[superpixels[x]] = 1;
  table[0] = 0;
  let count = 0;
  for (let id = 1; id <= maxId; id++) if (table[id] !== 0) table[id] = ++count;
  const ids = new Uint32Array(count);
  for (let id = 1; id <= maxId; id++) if (table[id] !== 0) ids[table[id] - 1] = id;
  for (let x = 0; x < pixelCount; x++) indexOut[x] = table[superpixels[x]];
  return { ids, lookup: table };
}

function compactSparse(superpixels: SuperpixelMap, indexOut: Int32Array): Uint32Array {
  const sorted = Uint32Array.from(superpixels).sort();
  const unique: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const id = sorted[i];
    if (id !== 0 && (unique.length === 0 || unique[unique.length - 1] !== id)) unique.push(id);
  }
  const indexOfId = new Map<number, number>();
  unique.forEach((id, i) => indexOfId.set(id, i + 1));
  // Neighbouring pixels mostly share a superpixel, so remember the last lookup.
  let lastId = 0;
  let lastIndex = 0;
  for (let x = 0; x < superpixels.length; x++) {
    const id = superpixels[x];
    if (id !== lastId) {
      lastId = id;
      lastIndex = id === 0 ? 0 : (indexOfId.get(id) ?? 0);
    }
    indexOut[x] = lastIndex;
  }
  return Uint32Array.from(unique);
}
