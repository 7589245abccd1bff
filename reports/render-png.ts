/**
 * SVG to PNG with sharp (librsvg): the chart's picture for places that show no SVG (chat, slides,
 * CI artifacts). The PNG has the SVG's own width and height times `scale`.
 */
import sharp from 'sharp';

export async function renderSvgToPng(svg: string, scale = 1): Promise<Buffer> {
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`scale must be in (0, 8], got ${scale}`);
  // librsvg maps SVG user units to pixels at 72 dpi: density scales the whole picture.
  return sharp(Buffer.from(svg, 'utf8'), { density: 72 * scale }).png({ compressionLevel: 9 }).toBuffer();
}
