/**
 * HSV to RGB (hue in degrees, saturation and value in [0, 1]) into `out[0..2]`, each in [0, 255]
 * but not rounded. Writing into a caller's buffer keeps per-pixel loops free of allocation.
 */
export function hsvToRgb(hue: number, saturation: number, value: number, out: Float64Array): void {
  const h = (((hue % 360) + 360) % 360) / 60;
  const sector = Math.floor(h);
  const f = h - sector;
  const v = value * 255;
  const p = v * (1 - saturation);
  const q = v * (1 - saturation * f);
  const t = v * (1 - saturation * (1 - f));
  switch (sector) {
    case 0: out[0] = v; out[1] = t; out[2] = p; break;
    case 1: out[0] = q; out[1] = v; out[2] = p; break;
    case 2: out[0] = p; out[1] = v; out[2] = t; break;
    case 3: out[0] = p; out[1] = q; out[2] = v; break;
    case 4: out[0] = t; out[1] = p; out[2] = v; break;
    default: out[0] = v; out[1] = p; out[2] = q; break;
  }
}
