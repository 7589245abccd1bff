import type { ClassDef } from '../manifest.js';
import { hsvToRgb } from './color.js';

/** Surface patterns that, with the hue, tell the object classes apart. */
export const TEXTURES = ['stripes', 'checker', 'dots', 'rings', 'waves', 'speckle'] as const;
export type Texture = (typeof TEXTURES)[number];

/** How an object class looks: every object of the class jitters around these values. */
export interface ClassAppearance {
  /** Degrees. */
  hue: number;
  saturation: number;
  value: number;
  texture: Texture;
  /** Pattern period in pixels at the reference image size (96 pixels on the short side). */
  period: number;
  /** Relative brightness swing of the pattern. */
  contrast: number;
}

export const BACKGROUND_CLASS = 0;

const HUE_NAMES = ['red', 'orange', 'yellow', 'lime', 'green', 'mint', 'cyan', 'azure', 'blue', 'violet', 'magenta', 'rose'];
/**
 * Confusable partners (see {@link confusablePartner}) sit close on the hue circle, so colour alone
 * half-separates them and the texture has to do the rest, as with real look-alike classes. The
 * pairs are spread evenly around the circle.
 */
function objectHue(classId: number, classCount: number): number {
  const pairs = Math.ceil((classCount - 1) / 2);
  const pairSpacing = 360 / pairs;
  const pair = Math.floor((classId - 1) / 2);
  const partnerOffset = (classId - 1) % 2 === 1 ? Math.min(28, 0.4 * pairSpacing) : 0;
  return pair * pairSpacing + partnerOffset;
}

/** Appearance of object class `classId` (1..classCount-1). */
export function classAppearance(classId: number, classCount: number): ClassAppearance {
  const index = classId - 1;
  return {
    hue: objectHue(classId, classCount),
    // Alternate saturation/brightness so hue neighbours differ in more than hue.
    saturation: index % 2 === 0 ? 0.75 : 0.6,
    value: index % 3 === 0 ? 0.85 : index % 3 === 1 ? 0.7 : 0.78,
    texture: TEXTURES[index % TEXTURES.length],
    period: 5 + (index % 4) * 1.5,
    contrast: 0.35,
  };
}

/**
 * The class a foundation model most likely mistakes `classId` for: its hue neighbour, paired off
 * (1-2, 3-4, ...) so that confusions come in the symmetric pairs real label noise shows. An odd
 * last class pairs with the one before it. Class 0 and a lone object class have no partner.
 */
export function confusablePartner(classId: number, classCount: number): number | undefined {
  const objectClasses = classCount - 1;
  if (classId === BACKGROUND_CLASS || objectClasses < 2) return undefined;
  if (classId % 2 === 1) return classId + 1 <= objectClasses ? classId + 1 : classId - 1;
  return classId - 1;
}

/** The class list of `classes.json` and the manifest: background (black) and named object classes. */
export function syntheticClassDefs(classCount: number): ClassDef[] {
  const rgb = new Float64Array(3);
  const defs: ClassDef[] = [{ id: BACKGROUND_CLASS, name: 'background', color: [0, 0, 0] }];
  for (let id = 1; id < classCount; id++) {
    const appearance = classAppearance(id, classCount);
    hsvToRgb(appearance.hue, appearance.saturation, appearance.value, rgb);
    const hueName = HUE_NAMES[Math.floor((((appearance.hue + 15) % 360) / 360) * HUE_NAMES.length)];
    defs.push({ id, name: `${hueName}-${appearance.texture}`, color: [Math.round(rgb[0]), Math.round(rgb[1]), Math.round(rgb[2])] });
  }
  return defs;
}
