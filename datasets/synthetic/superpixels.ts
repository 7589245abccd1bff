import type { SuperpixelOptions } from './options.js';
import type { Prng } from './prng.js';
import type { Scene, SceneObject } from './shapes.js';

/** Region value of pixels that get no superpixel (id 0 in the output). */
const NONE = -1;
/** Random pixel picks per over-segmentation seed before giving up on a thin object. */
const SEED_TRIES = 64;

/**
 * The background: a jittered grid of seeds, each pixel joining the nearest seed among the 3x3
 * neighbouring cells (a Voronoi partition up to rare far corners). Returns the number of regions.
 */
function partitionBackground(scene: Scene, rng: Prng, options: SuperpixelOptions, regions: Int32Array): number {
  const { width, height, instances } = scene;
  const cell = options.backgroundCellSize;
  const columns = Math.ceil(width / cell);
  const rows = Math.ceil(height / cell);
  const seedX = new Float64Array(columns * rows);
  const seedY = new Float64Array(columns * rows);
  const seedRegion = new Int32Array(columns * rows);
  for (let i = 0; i < seedX.length; i++) {
    seedX[i] = ((i % columns) + rng.next()) * cell;
    seedY[i] = (Math.floor(i / columns) + rng.next()) * cell;
    seedRegion[i] = rng.next() < options.unsegmentedProbability ? NONE : i;
  }
  for (let y = 0, p = 0; y < height; y++) {
    const row = Math.floor(y / cell);
    for (let x = 0; x < width; x++, p++) {
      if (instances[p] !== 0) continue;
      const column = Math.floor(x / cell);
      let best = 0;
      let bestDistance = Infinity;
      for (let r = Math.max(0, row - 1); r <= Math.min(rows - 1, row + 1); r++) {
        for (let c = Math.max(0, column - 1); c <= Math.min(columns - 1, column + 1); c++) {
          const s = r * columns + c;
          const dx = x + 0.5 - seedX[s];
          const dy = y + 0.5 - seedY[s];
          const distance = dx * dx + dy * dy;
          if (distance < bestDistance) {
            bestDistance = distance;
            best = s;
          }
        }
      }
      regions[p] = seedRegion[best];
    }
  }
  return seedX.length;
}

/**
 * Over-segmentation: splits an object's visible pixels among 1..k seeds picked inside it (more
 * pieces allowed for larger objects). Returns the number of regions used, starting at `firstRegion`.
 */
function splitObject(scene: Scene, object: SceneObject, rng: Prng, options: SuperpixelOptions, firstRegion: number, regions: Int32Array): number {
  const { width, instances } = scene;
  const { x0, y0, x1, y1 } = object.visibleBox;
  const k = object.instance;
  const cellArea = options.backgroundCellSize * options.backgroundCellSize;
  const sizeCap = Math.max(1, Math.min(options.maxPiecesPerObject, Math.round((2 * object.visiblePixels) / cellArea)));
  const pieces = rng.int(1, sizeCap);
  const seedX: number[] = [];
  const seedY: number[] = [];
  for (let i = 0; i < pieces; i++) {
    for (let attempt = 0; attempt < SEED_TRIES; attempt++) {
      const x = rng.int(x0, x1 - 1);
      const y = rng.int(y0, y1 - 1);
      if (instances[y * width + x] === k) {
        seedX.push(x);
        seedY.push(y);
        break;
      }
    }
  }
  // A sliver the random picks all missed is one piece.
  if (seedX.length === 0) {
    seedX.push(x0);
    seedY.push(y0);
  }
  for (let y = y0; y < y1; y++) {
    for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
      if (instances[p] !== k) continue;
      let best = 0;
      let bestDistance = Infinity;
      for (let s = 0; s < seedX.length; s++) {
        const distance = (x - seedX[s]) ** 2 + (y - seedY[s]) ** 2;
        if (distance < bestDistance) {
          bestDistance = distance;
          best = s;
        }
      }
      regions[p] = firstRegion + best;
    }
  }
  return seedX.length;
}

/** Calls `visit(p, q)` for every 4-neighbour pair with p inside the object and q outside it. */
function forEachOutlinePair(scene: Scene, object: SceneObject, visit: (p: number, q: number) => void): void {
  const { width, height, instances } = scene;
  const { x0, y0, x1, y1 } = object.visibleBox;
  const k = object.instance;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
      if (instances[p] !== k) continue;
      if (x > 0 && instances[p - 1] !== k) visit(p, p - 1);
      if (x < width - 1 && instances[p + 1] !== k) visit(p, p + 1);
      if (y > 0 && instances[p - width] !== k) visit(p, p - width);
      if (y < height - 1 && instances[p + width] !== k) visit(p, p + width);
    }
  }
}

/** Key of the largest count; ties go to the smallest key, so the choice is reproducible. */
function mostFrequent(counts: Map<number, number>): number | undefined {
  let best: number | undefined;
  let bestCount = 0;
  for (const [key, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Under-segmentation: the object's piece with the longest border to its most-bordering neighbour
 * region (another object or the background) becomes part of that region.
 */
function mergeWithNeighbour(scene: Scene, object: SceneObject, regions: Int32Array): void {
  const neighbourContacts = new Map<number, number>();
  forEachOutlinePair(scene, object, (_p, q) => {
    if (regions[q] !== NONE) neighbourContacts.set(regions[q], (neighbourContacts.get(regions[q]) ?? 0) + 1);
  });
  const neighbour = mostFrequent(neighbourContacts);
  if (neighbour === undefined) return;
  const pieceContacts = new Map<number, number>();
  forEachOutlinePair(scene, object, (p, q) => {
    if (regions[q] === neighbour) pieceContacts.set(regions[p], (pieceContacts.get(regions[p]) ?? 0) + 1);
  });
  const piece = mostFrequent(pieceContacts);
  const { width } = scene;
  const { x0, y0, x1, y1 } = object.visibleBox;
  for (let y = y0; y < y1; y++) {
    for (let p = y * width + x0, end = y * width + x1; p < end; p++) if (regions[p] === piece) regions[p] = neighbour;
  }
}

/**
 * SAM-like superpixels of a scene into `out` (ids 1..n in row-major order of first appearance,
 * 0 = none): the background split into Voronoi cells (some left unsegmented), each object split
 * into 1..k pieces, some objects sharing a superpixel with a neighbour, some outlines left as a
 * one-pixel gap. `regions` is scratch of width*height entries. Returns n.
 */
export function renderSuperpixels(scene: Scene, rng: Prng, options: SuperpixelOptions, regions: Int32Array, out: Uint32Array): number {
  let regionCount = partitionBackground(scene, rng, options, regions);
  const merges: SceneObject[] = [];
  const gaps: SceneObject[] = [];
  for (const object of scene.objects) {
    const merge = rng.next() < options.mergeProbability;
    const gap = rng.next() < options.outlineGapProbability;
    if (object.visiblePixels === 0) continue;
    regionCount += splitObject(scene, object, rng, options, regionCount, regions);
    if (merge) merges.push(object);
    if (gap) gaps.push(object);
  }
  for (const object of merges) mergeWithNeighbour(scene, object, regions);
  for (const object of gaps) forEachOutlinePair(scene, object, (p) => (regions[p] = NONE));

  const ids = new Int32Array(regionCount);
  let superpixels = 0;
  for (let p = 0; p < out.length; p++) {
    const region = regions[p];
    if (region === NONE) {
      out[p] = 0;
      continue;
    }
    if (ids[region] === 0) ids[region] = ++superpixels;
    out[p] = ids[region];
  }
  return superpixels;
}
