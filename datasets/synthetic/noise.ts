import { IGNORE_INDEX } from '../manifest.js';
import { BACKGROUND_CLASS, confusablePartner } from './classes.js';
import type { PseudoLabelNoiseOptions } from './options.js';
import type { Prng } from './prng.js';
import type { Box, Scene, SceneObject } from './shapes.js';

/**
 * Foundation-model-like pseudo labels. Every random decision is drawn up front as a uniform number
 * and only compared against rates that grow with the noise scale: the labels are a monotone
 * function of the scale for a fixed image, which is what lets the calibration bisect on it.
 */

/** Rates at noise scale 1 (before the per-kind weights of the options). */
const CONFUSION_RATE = 0.2;
const MISSED_RATE = 0.1;
const FALSE_POSITIVE_RATE = 0.3;
/** Largest boundary shift, in pixels at the reference size (96 pixels on the short side). */
const BLEED_PIXELS = 2;
const REFERENCE_SIZE = 96;
const MAX_RATE = 0.95;
/** How often a confused object takes its confusable partner's class rather than any other. */
const PARTNER_SHARE = 0.7;
/** Spurious blobs are drawn for every image; the noise scale decides how many appear. */
const FALSE_POSITIVE_CANDIDATES = 2;

/** Offsets of the uniforms drawn for each object. */
const ObjectDraw = { missed: 0, missedAsIgnore: 1, confused: 2, toPartner: 3, otherClass: 4, bleedAmount: 5, bleedDilates: 6 } as const;
const OBJECT_DRAWS = 7;
/** Offsets of the uniforms drawn for each candidate false positive. */
const FalsePositiveDraw = { appears: 0, centerX: 1, centerY: 2, radius: 3, aspect: 4, classChoice: 5 } as const;
const FALSE_POSITIVE_DRAWS = 6;

export interface PseudoLabelNoiseDraws {
  /** OBJECT_DRAWS uniforms per scene object, in object order. */
  objects: Float64Array;
  /** FALSE_POSITIVE_DRAWS uniforms per candidate blob. */
  falsePositives: Float64Array;
}

export function drawPseudoLabelNoise(rng: Prng, objectCount: number): PseudoLabelNoiseDraws {
  const objects = new Float64Array(objectCount * OBJECT_DRAWS);
  for (let i = 0; i < objects.length; i++) objects[i] = rng.next();
  const falsePositives = new Float64Array(FALSE_POSITIVE_CANDIDATES * FALSE_POSITIVE_DRAWS);
  for (let i = 0; i < falsePositives.length; i++) falsePositives[i] = rng.next();
  return { objects, falsePositives };
}

const FAR = 0xffff;
/** Chamfer 3-4 distance units per pixel step: distances are about 3x Euclidean. */
const STRAIGHT = 3;
const DIAGONAL = 4;

/**
 * Two-pass chamfer distance transform inside `box`: each entry of `dist` becomes the distance to
 * the nearest entry that was 0. Entries outside the box are neither read nor written.
 */
function chamferDistance(dist: Uint16Array, width: number, box: Box): void {
  const { x0, y0, x1, y1 } = box;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
      let d = dist[p];
      if (d === 0) continue;
      if (x > x0 && dist[p - 1] + STRAIGHT < d) d = dist[p - 1] + STRAIGHT;
      if (y > y0) {
        const q = p - width;
        if (dist[q] + STRAIGHT < d) d = dist[q] + STRAIGHT;
        if (x > x0 && dist[q - 1] + DIAGONAL < d) d = dist[q - 1] + DIAGONAL;
        if (x < x1 - 1 && dist[q + 1] + DIAGONAL < d) d = dist[q + 1] + DIAGONAL;
      }
      dist[p] = d;
    }
  }
  for (let y = y1 - 1; y >= y0; y--) {
    for (let x = x1 - 1, p = y * width + x1 - 1; x >= x0; x--, p--) {
      let d = dist[p];
      if (d === 0) continue;
      if (x < x1 - 1 && dist[p + 1] + STRAIGHT < d) d = dist[p + 1] + STRAIGHT;
      if (y < y1 - 1) {
        const q = p + width;
        if (dist[q] + STRAIGHT < d) d = dist[q] + STRAIGHT;
        if (x > x0 && dist[q - 1] + DIAGONAL < d) d = dist[q - 1] + DIAGONAL;
        if (x < x1 - 1 && dist[q + 1] + DIAGONAL < d) d = dist[q + 1] + DIAGONAL;
      }
      dist[p] = d;
    }
  }
}

/**
 * Paints `label` over an object's visible pixels, its outline first grown (dilate) or shrunk
 * (erode) by `radius` pixels. An eroded rim keeps whatever was painted there before.
 */
function paintMorphed(scene: Scene, object: SceneObject, label: number, radius: number, dilate: boolean, dist: Uint16Array, out: Uint8Array): void {
  const { width, height, instances } = scene;
  const k = object.instance;
  const margin = radius + 1;
  const box: Box = {
    x0: Math.max(0, object.visibleBox.x0 - margin),
    y0: Math.max(0, object.visibleBox.y0 - margin),
    x1: Math.min(width, object.visibleBox.x1 + margin),
    y1: Math.min(height, object.visibleBox.y1 + margin),
  };
  if (radius > 0) {
    // Dilation measures the distance to the object, erosion the distance to everything else.
    for (let y = box.y0; y < box.y1; y++) {
      for (let p = y * width + box.x0, end = y * width + box.x1; p < end; p++) dist[p] = (instances[p] === k) === dilate ? 0 : FAR;
    }
    chamferDistance(dist, width, box);
  }
  const limit = STRAIGHT * radius;
  for (let y = box.y0; y < box.y1; y++) {
    for (let p = y * width + box.x0, end = y * width + box.x1; p < end; p++) {
      const inside = instances[p] === k;
      if (radius === 0 ? inside : dilate ? dist[p] <= limit : inside && dist[p] > limit) out[p] = label;
    }
  }
}

/** The label an object gets when it is confused: usually its partner, else any other object class. */
function confusedClass(classId: number, classCount: number, toPartner: number, otherClass: number): number {
  const partner = confusablePartner(classId, classCount);
  if (partner === undefined) return classId;
  if (toPartner < PARTNER_SHARE) return partner;
  const others = classCount - 2;
  const pick = 1 + Math.min(others - 1, Math.floor(otherClass * others));
  return pick >= classId ? pick + 1 : pick;
}

function paintFalsePositive(scene: Scene, draws: Float64Array, offset: number, classCount: number, out: Uint8Array): void {
  const { width, height } = scene;
  const short = Math.min(width, height);
  const centerX = draws[offset + FalsePositiveDraw.centerX] * width;
  const centerY = draws[offset + FalsePositiveDraw.centerY] * height;
  const radiusX = (0.04 + 0.06 * draws[offset + FalsePositiveDraw.radius]) * short;
  const radiusY = radiusX * (0.5 + 0.5 * draws[offset + FalsePositiveDraw.aspect]);
  const objectClasses = classCount - 1;
  const label = 1 + Math.min(objectClasses - 1, Math.floor(draws[offset + FalsePositiveDraw.classChoice] * objectClasses));
  const x0 = Math.max(0, Math.floor(centerX - radiusX));
  const x1 = Math.min(width, Math.ceil(centerX + radiusX) + 1);
  const y0 = Math.max(0, Math.floor(centerY - radiusY));
  const y1 = Math.min(height, Math.ceil(centerY + radiusY) + 1);
  for (let y = y0; y < y1; y++) {
    const v = (y + 0.5 - centerY) / radiusY;
    for (let x = x0; x < x1; x++) {
      const u = (x + 0.5 - centerX) / radiusX;
      const p = y * width + x;
      // Hallucinated objects appear where the model saw nothing, not over a detected object.
      if (u * u + v * v <= 1 && out[p] === BACKGROUND_CLASS) out[p] = label;
    }
  }
}

/**
 * Renders an image's pseudo labels from its scene: objects back to front, each possibly missed
 * (background or ignore), confused with another class, and with its boundary shifted; then
 * spurious blobs on the background. `dist` is scratch of width*height entries.
 */
export function renderPseudoLabels(
  scene: Scene,
  draws: PseudoLabelNoiseDraws,
  noiseScale: number,
  options: PseudoLabelNoiseOptions,
  classCount: number,
  dist: Uint16Array,
  out: Uint8Array,
): void {
  const confusionRate = Math.min(MAX_RATE, CONFUSION_RATE * noiseScale * options.confusion);
  const missedRate = Math.min(MAX_RATE, MISSED_RATE * noiseScale * options.missed);
  const falsePositiveRate = Math.min(MAX_RATE, FALSE_POSITIVE_RATE * noiseScale * options.falsePositives);
  const bleedPixels = BLEED_PIXELS * noiseScale * options.bleed * Math.max(1, Math.min(scene.width, scene.height) / REFERENCE_SIZE);

  out.fill(BACKGROUND_CLASS);
  for (const object of scene.objects) {
    if (object.visiblePixels === 0) continue;
    const d = (object.instance - 1) * OBJECT_DRAWS;
    const u = draws.objects;
    let label = object.classId;
    if (u[d + ObjectDraw.missed] < missedRate) {
      if (u[d + ObjectDraw.missedAsIgnore] >= options.missedAsIgnore) continue;
      label = IGNORE_INDEX;
    } else if (u[d + ObjectDraw.confused] < confusionRate) {
      label = confusedClass(object.classId, classCount, u[d + ObjectDraw.toPartner], u[d + ObjectDraw.otherClass]);
    }
    const radius = Math.round(u[d + ObjectDraw.bleedAmount] * bleedPixels);
    paintMorphed(scene, object, label, radius, u[d + ObjectDraw.bleedDilates] < 0.5, dist, out);
  }
  for (let i = 0; i < FALSE_POSITIVE_CANDIDATES; i++) {
    const offset = i * FALSE_POSITIVE_DRAWS;
    if (draws.falsePositives[offset + FalsePositiveDraw.appears] < falsePositiveRate) paintFalsePositive(scene, draws.falsePositives, offset, classCount, out);
  }
}
