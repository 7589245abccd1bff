import { BACKGROUND_CLASS } from './classes.js';
import type { Prng } from './prng.js';

export const SHAPES = ['ellipse', 'rectangle', 'blob'] as const;
export type Shape = (typeof SHAPES)[number];

/** Pixel rectangle, half-open: x0 <= x < x1, y0 <= y < y1. Empty when x0 >= x1. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The lobes of a blob: its outline radius is 1 + sum of a_j sin(j theta + phi_j), j = 2, 3, 4. */
const BLOB_HARMONICS = [2, 3, 4] as const;
/** A rectangle this much smaller than the ellipse of the same radii has about its area. */
const RECTANGLE_SCALE = Math.sqrt(Math.PI) / 2;

export interface SceneObject {
  /** 1-based paint order; the value of the object's pixels in the instance map. */
  instance: number;
  classId: number;
  shape: Shape;
  centerX: number;
  centerY: number;
  radiusX: number;
  radiusY: number;
  angle: number;
  lobeAmplitudes: readonly number[];
  lobePhases: readonly number[];
  /** Pixels left after later objects painted over this one. */
  visiblePixels: number;
  visibleBox: Box;
}

/** One image's truth: which object (0 = background) owns each pixel, row-major. */
export interface Scene {
  width: number;
  height: number;
  instances: Uint8Array;
  objects: SceneObject[];
}

export interface SceneLayout {
  width: number;
  height: number;
  minObjects: number;
  maxObjects: number;
  /** Relative frequency of object classes 1, 2, ... (index 0 is class 1). */
  objectClassWeights: readonly number[];
}

function drawObject(rng: Prng, layout: SceneLayout, instance: number): SceneObject {
  const short = Math.min(layout.width, layout.height);
  const radiusX = rng.range(0.12, 0.32) * short;
  const shape = SHAPES[rng.int(0, SHAPES.length - 1)];
  const lobeAmplitudes = BLOB_HARMONICS.map(() => (shape === 'blob' ? rng.range(0, 0.12) : 0));
  return {
    instance,
    classId: 1 + rng.weighted(layout.objectClassWeights),
    shape,
    centerX: rng.range(0.08, 0.92) * layout.width,
    centerY: rng.range(0.08, 0.92) * layout.height,
    radiusX,
    radiusY: radiusX * rng.range(0.45, 1),
    angle: rng.range(0, Math.PI),
    lobeAmplitudes,
    lobePhases: BLOB_HARMONICS.map(() => rng.range(0, 2 * Math.PI)),
    visiblePixels: 0,
    visibleBox: { x0: 0, y0: 0, x1: 0, y1: 0 },
  };
}

/** Writes `object.instance` into every pixel of `instances` that the object's shape covers. */
function paintObject(object: SceneObject, width: number, height: number, instances: Uint8Array): void {
  let lobeSum = 0;
  for (const a of object.lobeAmplitudes) lobeSum += a;
  const extent = Math.max(object.radiusX, object.radiusY) * (1 + lobeSum);
  const x0 = Math.max(0, Math.floor(object.centerX - extent));
  const x1 = Math.min(width, Math.ceil(object.centerX + extent) + 1);
  const y0 = Math.max(0, Math.floor(object.centerY - extent));
  const y1 = Math.min(height, Math.ceil(object.centerY + extent) + 1);
  const cos = Math.cos(object.angle);
  const sin = Math.sin(object.angle);
  const scale = object.shape === 'rectangle' ? RECTANGLE_SCALE : 1;
  const invRx = 1 / (object.radiusX * scale);
  const invRy = 1 / (object.radiusY * scale);
  // Outside this radius no lobe can reach, inside the inner one every lobe covers: skip atan2 there.
  const outer2 = (1 + lobeSum) ** 2;
  const inner2 = Math.max(0, 1 - lobeSum) ** 2;
  for (let y = y0; y < y1; y++) {
    const dy = y + 0.5 - object.centerY;
    for (let x = x0; x < x1; x++) {
      const dx = x + 0.5 - object.centerX;
      const u = (dx * cos + dy * sin) * invRx;
      const v = (dy * cos - dx * sin) * invRy;
      let inside: boolean;
      if (object.shape === 'rectangle') {
        inside = Math.abs(u) <= 1 && Math.abs(v) <= 1;
      } else {
        const rho2 = u * u + v * v;
        if (rho2 > outer2) inside = false;
        else if (rho2 <= inner2) inside = true;
        else {
          const theta = Math.atan2(v, u);
          let limit = 1;
          for (let j = 0; j < BLOB_HARMONICS.length; j++) {
            limit += object.lobeAmplitudes[j] * Math.sin(BLOB_HARMONICS[j] * theta + object.lobePhases[j]);
          }
          inside = rho2 <= limit * limit;
        }
      }
      if (inside) instances[y * width + x] = object.instance;
    }
  }
}

/** Counts each object's visible pixels and their bounding box. */
function measureVisibility(scene: Scene): void {
  const { width, height, instances, objects } = scene;
  for (const object of objects) object.visibleBox = { x0: width, y0: height, x1: 0, y1: 0 };
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      const instance = instances[p];
      if (instance === 0) continue;
      const object = objects[instance - 1];
      object.visiblePixels++;
      const box = object.visibleBox;
      if (x < box.x0) box.x0 = x;
      if (x >= box.x1) box.x1 = x + 1;
      if (y < box.y0) box.y0 = y;
      if (y >= box.y1) box.y1 = y + 1;
    }
  }
}

/**
 * Draws a scene: objects painted back to front into `instances` (reused, width*height), so later
 * objects occlude earlier ones. Object count, classes, shapes and placement all come from `rng`.
 */
export function generateScene(rng: Prng, layout: SceneLayout, instances: Uint8Array): Scene {
  const count = rng.int(layout.minObjects, layout.maxObjects);
  const objects: SceneObject[] = [];
  for (let i = 1; i <= count; i++) objects.push(drawObject(rng, layout, i));
  instances.fill(0);
  for (const object of objects) paintObject(object, layout.width, layout.height, instances);
  const scene: Scene = { width: layout.width, height: layout.height, instances, objects };
  measureVisibility(scene);
  return scene;
}

/** Ground truth: the class of the object that owns each pixel; background elsewhere. */
export function renderGroundTruth(scene: Scene, out: Uint8Array): void {
  const { instances, objects } = scene;
  for (let p = 0; p < instances.length; p++) {
    const instance = instances[p];
    out[p] = instance === 0 ? BACKGROUND_CLASS : objects[instance - 1].classId;
  }
}
