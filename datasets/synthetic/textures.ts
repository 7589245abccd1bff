import type { ClassAppearance, Texture } from './classes.js';
import { hsvToRgb } from './color.js';
import type { Prng } from './prng.js';
import type { Scene, SceneObject } from './shapes.js';

/** Short image side at which `ClassAppearance.period` is given; larger images get coarser patterns. */
const REFERENCE_SIZE = 96;
const TWO_PI = 2 * Math.PI;

/** One object's rendering parameters: its class's appearance, jittered per object. */
interface ObjectLook {
  texture: Texture;
  hue: number;
  saturation: number;
  value: number;
  contrast: number;
  period: number;
  cos: number;
  sin: number;
  phase: number;
  centerX: number;
  centerY: number;
  /** Linear shading across the object: brightness gain per pixel along x and y. */
  shadeX: number;
  shadeY: number;
}

/** A low-saturation backdrop with soft blotches (value noise) and fine grain. */
interface BackgroundLook {
  hue: number;
  saturation: number;
  value: number;
  cell: number;
  columns: number;
  /** Random values at the corners of a `cell`-sized grid, bilinearly interpolated in between. */
  grid: Float64Array;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

function drawObjectLook(rng: Prng, appearance: ClassAppearance, object: SceneObject, textureScale: number): ObjectLook {
  const angle = rng.range(0, Math.PI);
  const shadeAngle = rng.range(0, TWO_PI);
  const shadeStrength = rng.range(0, 0.25) / Math.max(object.radiusX, 1);
  return {
    texture: appearance.texture,
    hue: appearance.hue + rng.range(-8, 8),
    saturation: clamp01(appearance.saturation + rng.range(-0.1, 0.1)),
    value: clamp01(appearance.value + rng.range(-0.1, 0.1)),
    contrast: appearance.contrast * rng.range(0.8, 1.2),
    period: appearance.period * textureScale * rng.range(0.85, 1.15),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
    phase: rng.range(0, TWO_PI),
    centerX: object.centerX,
    centerY: object.centerY,
    shadeX: Math.cos(shadeAngle) * shadeStrength,
    shadeY: Math.sin(shadeAngle) * shadeStrength,
  };
}

function drawBackgroundLook(rng: Prng, width: number, height: number, textureScale: number): BackgroundLook {
  const cell = rng.range(10, 20) * textureScale;
  const columns = Math.ceil(width / cell) + 2;
  const rows = Math.ceil(height / cell) + 2;
  const grid = new Float64Array(columns * rows);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.range(-1, 1);
  return { hue: rng.range(0, 360), saturation: rng.range(0.04, 0.2), value: rng.range(0.35, 0.7), cell, columns, grid };
}

/** Pattern value in [-1, 1] of an object at a pixel; `grain` is a uniform draw in [-1, 1). */
function patternAt(look: ObjectLook, x: number, y: number, grain: number): number {
  const dx = x - look.centerX;
  const dy = y - look.centerY;
  const u = (dx * look.cos + dy * look.sin) / look.period;
  const v = (dy * look.cos - dx * look.sin) / look.period;
  switch (look.texture) {
    case 'stripes':
      return Math.sin(TWO_PI * u + look.phase);
    case 'checker':
      return (Math.floor(u) + Math.floor(v)) & 1 ? 1 : -1;
    case 'dots': {
      const fu = u - Math.floor(u) - 0.5;
      const fv = v - Math.floor(v) - 0.5;
      return fu * fu + fv * fv < 0.09 ? 1 : -1;
    }
    case 'rings':
      return Math.sin(TWO_PI * Math.sqrt(u * u + v * v) + look.phase);
    case 'waves':
      return Math.sin(TWO_PI * (u + 0.35 * Math.sin(Math.PI * v)) + look.phase);
    case 'speckle':
      return grain;
  }
}

function backgroundValueAt(look: BackgroundLook, x: number, y: number): number {
  const gx = x / look.cell;
  const gy = y / look.cell;
  const cx = Math.floor(gx);
  const cy = Math.floor(gy);
  // Smoothstep weights hide the grid: no visible creases between cells.
  let fx = gx - cx;
  let fy = gy - cy;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  const i = cy * look.columns + cx;
  const top = look.grid[i] + (look.grid[i + 1] - look.grid[i]) * fx;
  const bottom = look.grid[i + look.columns] + (look.grid[i + look.columns + 1] - look.grid[i + look.columns]) * fx;
  return top + (bottom - top) * fy;
}

/**
 * Renders the RGB image (interleaved, width*height*3) of a scene. Each object class has its own
 * hue and surface pattern, jittered per object, under a shading gradient and sensor noise; the
 * background is greyish with blotches and grain, so colour and texture both carry the class.
 */
export function renderImage(
  scene: Scene,
  /** Appearance of object class c at index c - 1. */
  objectAppearances: readonly ClassAppearance[],
  rng: Prng,
  pixelNoise: number,
  out: Uint8Array,
): void {
  const { width, height, instances, objects } = scene;
  const textureScale = Math.max(1, Math.min(width, height) / REFERENCE_SIZE);
  const background = drawBackgroundLook(rng, width, height, textureScale);
  const looks = objects.map((object) => drawObjectLook(rng, objectAppearances[object.classId - 1], object, textureScale));
  const rgb = new Float64Array(3);
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p++) {
      const grain = rng.range(-1, 1);
      const instance = instances[p];
      if (instance === 0) {
        const value = background.value * (1 + 0.3 * backgroundValueAt(background, x, y) + 0.08 * grain);
        hsvToRgb(background.hue, background.saturation, clamp01(value), rgb);
      } else {
        const look = looks[instance - 1];
        const shade = 1 + look.shadeX * (x - look.centerX) + look.shadeY * (y - look.centerY);
        const value = look.value * (1 + look.contrast * patternAt(look, x, y, grain)) * shade;
        hsvToRgb(look.hue, look.saturation, clamp01(value), rgb);
      }
      for (let c = 0; c < 3; c++) {
        const noisy = Math.round(rgb[c] + pixelNoise * rng.gaussian());
        out[p * 3 + c] = noisy < 0 ? 0 : noisy > 255 ? 255 : noisy;
      }
    }
  }
}
