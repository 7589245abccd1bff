/**
 * The picture an annotator answers a correction query from: the image around the expansion set E,
 * E outlined, the representative pixel r marked, and a legend with the label q in use there.
 *
 * Overlays are drawn on raw RGB at the output size, sampled nearest-neighbour from the image and
 * from the expansion map with the same mapping, so the outline follows E's pixel edges exactly
 * however far a small crop is enlarged (interpolating would blur which pixels are in E).
 */
import sharp from 'sharp';
import { InvalidFileError } from '../../datasets/problems.js';
import type { BoundingBox } from './records.js';

/** RGB, 3 bytes per pixel, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ExpansionRegion {
  bbox: BoundingBox;
  /** |E|. */
  pixels: number;
}

export interface QueryView {
  superpixel: number;
  region: ExpansionRegion;
  /** r as [row, col]. */
  rep: readonly [number, number];
  labelName: string;
  labelColor: readonly [number, number, number];
}

/** Context around E on every side, in source pixels: half E's larger side, and never less than MIN_CONTEXT. */
const MIN_CONTEXT = 64;
const CONTEXT_FRACTION = 0.5;
/** Small crops are enlarged so their longer side is this; larger ones are kept, up to the cap. */
const ASSET_SIDE = 384;
const MAX_ASSET_SIDE = 1024;
/** Outside E the image is darkened to this fraction so E stands out; enough is left to judge context. */
const CONTEXT_BRIGHTNESS = 0.6;
/** Outline of E, drawn outside it so E itself stays visible: white next to E, then black, so it shows on any colour. */
const WHITE_RING = 2;
const BLACK_RING = 2;
const WHITE = [255, 255, 255] as const;
const BLACK = [0, 0, 0] as const;
/** Okabe-Ito orange on black: the crosshair at r, distinct from the white/black outline, colour-blind safe. */
const CROSSHAIR_COLOR: readonly [number, number, number] = [230, 159, 0];
const CROSSHAIR_ARM = 12;
const CROSSHAIR_CORE = 3;
const CROSSHAIR_BORDER = 1;
/** A frame around the picture, so the outline and crosshair stay whole where E meets the image border. */
const PADDING = 12;
const PADDING_COLOR: readonly [number, number, number] = [96, 96, 96];
const LEGEND_HEIGHT = 30;
/** Legend text needs room: narrow crops get a wider canvas. */
const MIN_ASSET_WIDTH = 260;
const LEGEND_BACKGROUND = { r: 32, g: 32, b: 32 };

/** Decodes a photograph to 8-bit RGB (grey and alpha images too), in stored orientation like the label maps. */
export async function decodeRgb(bytes: Uint8Array, source: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new InvalidFileError(source, `undecodable image (${(error as Error).message})`);
  }
}

/** Bounding box and size of E for each of `superpixels`, in one pass over the expansion map. */
export function expansionRegions(expansion: Uint32Array, width: number, superpixels: readonly number[]): Map<number, ExpansionRegion> {
  const largest = Math.max(0, ...superpixels);
  const slotOf = new Int32Array(largest + 1).fill(-1);
  superpixels.forEach((id, slot) => (slotOf[id] = slot));
  const n = superpixels.length;
  // Row-major: the first pixel of E met is on its top row, the last on its bottom row.
  const top = new Int32Array(n);
  const left = new Int32Array(n).fill(width);
  const bottom = new Int32Array(n).fill(-1);
  const right = new Int32Array(n).fill(-1);
  const pixels = new Float64Array(n);
  for (let x = 0; x < expansion.length; x++) {
    const id = expansion[x];
    if (id === 0 || id > largest) continue;
    const slot = slotOf[id];
    if (slot < 0) continue;
    const row = Math.floor(x / width);
    const col = x - row * width;
    if (pixels[slot] === 0) top[slot] = row;
    bottom[slot] = row;
    if (col < left[slot]) left[slot] = col;
    if (col > right[slot]) right[slot] = col;
    pixels[slot]++;
  }
  const regions = new Map<number, ExpansionRegion>();
  superpixels.forEach((id, slot) => {
    if (pixels[slot] === 0) return;
    regions.set(id, {
      bbox: { left: left[slot], top: top[slot], width: right[slot] - left[slot] + 1, height: bottom[slot] - top[slot] + 1 },
      pixels: pixels[slot],
    });
  });
  return regions;
}

/** E's box widened by the context margin, clipped to the image. */
function contextCrop(bbox: BoundingBox, width: number, height: number): BoundingBox {
  const margin = Math.max(MIN_CONTEXT, Math.round(CONTEXT_FRACTION * Math.max(bbox.width, bbox.height)));
  const left = Math.max(0, bbox.left - margin);
  const top = Math.max(0, bbox.top - margin);
  const right = Math.min(width, bbox.left + bbox.width + margin);
  const bottom = Math.min(height, bbox.top + bbox.height + margin);
  return { left, top, width: right - left, height: bottom - top };
}

/** Chebyshev erosion by `radius`: outside the canvas counts as outside the mask. */
function erode(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const outside = mask.map((v) => 1 - v);
  return dilate(outside, width, height, radius).map((v) => 1 - v);
}

/** Chebyshev dilation by `radius`, as two 1-D sliding-window passes (rows, then columns). */
function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const across = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const from = Math.max(0, x - radius);
      const to = Math.min(width - 1, x + radius);
      for (let k = from; k <= to; k++) {
        if (mask[row + k]) {
          across[row + x] = 1;
          break;
        }
      }
    }
  }
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const from = Math.max(0, y - radius);
    const to = Math.min(height - 1, y + radius);
    for (let x = 0; x < width; x++) {
      for (let k = from; k <= to; k++) {
        if (across[k * width + x]) {
          out[y * width + x] = 1;
          break;
        }
      }
    }
  }
  return out;
}

function fillRect(rgb: Uint8Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number, color: readonly [number, number, number]): void {
  const left = Math.max(0, Math.round(x0));
  const right = Math.min(width, Math.round(x1));
  const top = Math.max(0, Math.round(y0));
  const bottom = Math.min(height, Math.round(y1));
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      const i = (y * width + x) * 3;
      rgb[i] = color[0];
      rgb[i + 1] = color[1];
      rgb[i + 2] = color[2];
    }
  }
}

/** Four arms around (cx, cy), leaving the marked pixel itself visible in the gap. */
function drawCrosshair(rgb: Uint8Array, width: number, height: number, cx: number, cy: number, gap: number): void {
  const arms = (half: number, extra: number, color: readonly [number, number, number]) => {
    const near = gap - extra;
    const far = gap + CROSSHAIR_ARM + extra;
    fillRect(rgb, width, height, cx - far, cy - half, cx - near, cy + half, color);
    fillRect(rgb, width, height, cx + near, cy - half, cx + far, cy + half, color);
    fillRect(rgb, width, height, cx - half, cy - far, cx + half, cy - near, color);
    fillRect(rgb, width, height, cx - half, cy + near, cx + half, cy + far, color);
  };
  arms(CROSSHAIR_CORE / 2 + CROSSHAIR_BORDER, CROSSHAIR_BORDER, BLACK);
  arms(CROSSHAIR_CORE / 2, 0, CROSSHAIR_COLOR);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function legendSvg(width: number, labelName: string, color: readonly [number, number, number]): string {
  const swatch = 18;
  const y = (LEGEND_HEIGHT - swatch) / 2;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LEGEND_HEIGHT}">` +
    `<rect x="8.5" y="${y + 0.5}" width="${swatch}" height="${swatch}" fill="rgb(${color.join(',')})" stroke="#ffffff" stroke-width="1"/>` +
    `<text x="${16 + swatch}" y="${LEGEND_HEIGHT / 2 + 5}" font-family="DejaVu Sans, Arial, sans-serif" font-size="14" fill="#ffffff">` +
    `current label: <tspan font-weight="bold">${escapeXml(labelName)}</tspan></text></svg>`
  );
}

/** The asset of one query as a PNG; the same inputs give the same bytes (a retry rewrites them unchanged). */
export async function renderQueryAsset(image: RgbImage, expansion: Uint32Array, view: QueryView): Promise<Buffer> {
  const crop = contextCrop(view.region.bbox, image.width, image.height);
  const longer = Math.max(crop.width, crop.height);
  const scale = (longer < ASSET_SIDE ? ASSET_SIDE : Math.min(longer, MAX_ASSET_SIDE)) / longer;
  const pictureWidth = Math.max(1, Math.round(crop.width * scale));
  const pictureHeight = Math.max(1, Math.round(crop.height * scale));
  const xScale = pictureWidth / crop.width;
  const yScale = pictureHeight / crop.height;
  const width = pictureWidth + 2 * PADDING;
  const height = pictureHeight + 2 * PADDING;

  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i += 3) rgb.set(PADDING_COLOR, i);
  const inside = new Uint8Array(width * height);
  const sourceCol = new Int32Array(pictureWidth);
  for (let x = 0; x < pictureWidth; x++) sourceCol[x] = crop.left + Math.min(crop.width - 1, Math.floor(x / xScale));
  for (let y = 0; y < pictureHeight; y++) {
    const sourceRow = (crop.top + Math.min(crop.height - 1, Math.floor(y / yScale))) * image.width;
    for (let x = 0; x < pictureWidth; x++) {
      const source = sourceRow + sourceCol[x];
      const out = (y + PADDING) * width + x + PADDING;
      const inE = expansion[source] === view.superpixel;
      inside[out] = inE ? 1 : 0;
      const brightness = inE ? 1 : CONTEXT_BRIGHTNESS;
      for (let c = 0; c < 3; c++) rgb[out * 3 + c] = Math.round(image.data[source * 3 + c] * brightness);
    }
  }

  // The outline goes around E with its small holes closed: ringing every excluded pixel inside E
  // would hide E's content; those pixels stay visible, darkened like the context.
  const holeRadius = Math.ceil(Math.max(xScale, yScale)) + 1;
  const shape = erode(dilate(inside, width, height, holeRadius), width, height, holeRadius);
  const nearRing = dilate(shape, width, height, WHITE_RING);
  const farRing = dilate(shape, width, height, WHITE_RING + BLACK_RING);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i]) continue;
    if (nearRing[i]) rgb.set(WHITE, i * 3);
    else if (farRing[i]) rgb.set(BLACK, i * 3);
  }

  const [repRow, repCol] = view.rep;
  const cx = PADDING + (repCol - crop.left + 0.5) * xScale;
  const cy = PADDING + (repRow - crop.top + 0.5) * yScale;
  drawCrosshair(rgb, width, height, cx, cy, Math.max(xScale, yScale) / 2 + 3);

  const canvasWidth = Math.max(width, MIN_ASSET_WIDTH);
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .extend({ right: canvasWidth - width, bottom: LEGEND_HEIGHT, background: LEGEND_BACKGROUND })
    .composite([{ input: Buffer.from(legendSvg(canvasWidth, view.labelName, view.labelColor)), left: 0, top: height }])
    .png()
    .toBuffer();
}
