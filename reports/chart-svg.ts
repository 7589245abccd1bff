/**
 * A line chart as an SVG string: axes with "nice" ticks, grid, labelled axes, a title, series as
 * lines (solid or dashed) with a marker per point, and a legend at the right. Small and pure so
 * the report's picture is the same in the HTML page, the PNG (render-png.ts) and the tests.
 *
 * Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies)
 * and every series also has its own marker shape, so nothing depends on colour alone.
 */

/** Okabe & Ito (2008), ordered for contrast on white (the yellow last). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down'] as const;
export type MarkerShape = (typeof MARKERS)[number];

export interface ChartPoint {
  x: number;
  /** null: no value (the line breaks there). */
  y: number | null;
}

export interface ChartSeries {
  name: string;
  color: string;
  marker: MarkerShape;
  /** Dashed line and hollow markers. */
  dashed?: boolean;
  points: ChartPoint[];
}

export interface LegendEntry {
  label: string;
  color: string;
  marker?: MarkerShape;
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  width: number;
  height: number;
  series: ChartSeries[];
  legend: LegendEntry[];
  /** Only whole-number x ticks (counts). */
  integerX?: boolean;
}

export interface Ticks {
  ticks: number[];
  step: number;
}

/** Ticks at 1, 2 or 5 x 10^k covering [min, max] with about `target` intervals. */
export function niceTicks(min: number, max: number, target = 5, minStep = 0): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) throw new RangeError(`niceTicks: bad range [${min}, ${max}]`);
  if (max === min) {
    const pad = Math.max(1, Math.abs(min) * 0.05);
    return niceTicks(min - pad, max + pad, target, minStep);
  }
  const raw = (max - min) / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const step = Math.max(minStep, (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude);
  const decimals = decimalsOf(step);
  const start = Math.floor(min / step + 1e-9);
  const end = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = start; i <= end; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return { ticks, step };
}

/** Digits after the point that tick labels of this step need. */
function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

export interface LinearScale {
  (value: number): number;
  domain: [number, number];
  range: [number, number];
}

export function linearScale(domain: [number, number], range: [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const scale = ((value: number) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0)) as LinearScale;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const FONT_SIZE = 12;
/** Average glyph width of the font at FONT_SIZE, to size the legend without measuring text. */
const CHAR_WIDTH = 7;
const LEGEND_SWATCH = 28;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const num = (n: number) => String(Number(n.toFixed(2)));

/** The plot area and the scales that map data to it (exported for the tests and the legend). */
export function chartLayout(spec: LineChartSpec): { x: LinearScale; y: LinearScale; xTicks: Ticks; yTicks: Ticks; legendX: number; legendChars: number } {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(1, ...xs), 6, spec.integerX ? 1 : 0);
  const yTicks = ys.length === 0 ? niceTicks(0, 100, 5) : niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const longest = Math.max(0, ...spec.legend.map((e) => e.label.length));
  const legendWidth = spec.legend.length === 0 ? 0 : Math.min(spec.width * 0.45, LEGEND_SWATCH + 10 + longest * CHAR_WIDTH);
  const left = 64;
  const right = spec.width - 20 - legendWidth;
  const top = 40;
  const bottom = spec.height - 52;
  return {
    x: linearScale([xTicks.ticks[0], xTicks.ticks[xTicks.ticks.length - 1]], [left, right]),
    y: linearScale([yTicks.ticks[0], yTicks.ticks[yTicks.ticks.length - 1]], [bottom, top]),
    xTicks,
    yTicks,
    legendX: right + 16,
    legendChars: Math.max(4, Math.floor((legendWidth - LEGEND_SWATCH - 10) / CHAR_WIDTH)),
  };
}

function markerSvg(shape: MarkerShape, color: string, hollow: boolean): string {
  const paint = hollow ? `fill="#ffffff" stroke="${color}" stroke-width="1.6"` : `fill="${color}" stroke="#ffffff" stroke-width="0.8"`;
  switch (shape) {
    case 'circle':
      return `<circle r="4.2" ${paint}/>`;
    case 'square':
      return `<rect x="-3.8" y="-3.8" width="7.6" height="7.6" ${paint}/>`;
    case 'triangle':
      return `<path d="M0,-5L4.6,3.2L-4.6,3.2Z" ${paint}/>`;
    case 'diamond':
      return `<path d="M0,-5.2L5.2,0L0,5.2L-5.2,0Z" ${paint}/>`;
    case 'triangle-down':
      return `<path d="M0,5L4.6,-3.2L-4.6,-3.2Z" ${paint}/>`;
  }
}

/** The line through consecutive points with a value; a null starts a new segment. */
function linePath(points: readonly ChartPoint[], x: LinearScale, y: LinearScale): string {
  let d = '';
  let pen = false;
  for (const point of points) {
    if (point.y === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(x(point.x))},${num(y(point.y))}`;
    pen = true;
  }
  return d;
}

export function lineChartSvg(spec: LineChartSpec): string {
  const { width, height } = spec;
  const { x, y, xTicks, yTicks, legendX, legendChars } = chartLayout(spec);
  const [left, right] = x.range;
  const [bottom, top] = y.range;
  const xDecimals = decimalsOf(xTicks.step);
  const yDecimals = decimalsOf(yTicks.step);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="${FONT_SIZE}">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${num((left + right) / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold" fill="#222222">${escapeXml(spec.title)}</text>`,
  );

  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of yTicks.ticks) out.push(`<line x1="${num(left)}" x2="${num(right)}" y1="${num(y(t))}" y2="${num(y(t))}"/>`);
  for (const t of xTicks.ticks) out.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${num(top)}" y2="${num(bottom)}"/>`);
  out.push('</g>');

  out.push('<g class="axes" stroke="#333333" stroke-width="1.2" fill="none">');
  out.push(`<line class="x-axis" x1="${num(left)}" x2="${num(right)}" y1="${num(bottom)}" y2="${num(bottom)}"/>`);
  out.push(`<line class="y-axis" x1="${num(left)}" x2="${num(left)}" y1="${num(top)}" y2="${num(bottom)}"/>`);
  for (const t of xTicks.ticks) out.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${num(bottom)}" y2="${num(bottom + 5)}"/>`);
  for (const t of yTicks.ticks) out.push(`<line x1="${num(left - 5)}" x2="${num(left)}" y1="${num(y(t))}" y2="${num(y(t))}"/>`);
  out.push('</g>');

  out.push('<g class="tick-labels" fill="#333333">');
  for (const t of xTicks.ticks) out.push(`<text class="x-tick" x="${num(x(t))}" y="${num(bottom + 19)}" text-anchor="middle">${t.toFixed(xDecimals)}</text>`);
  for (const t of yTicks.ticks) out.push(`<text class="y-tick" x="${num(left - 8)}" y="${num(y(t) + 4)}" text-anchor="end">${t.toFixed(yDecimals)}</text>`);
  out.push('</g>');
  out.push(`<text class="x-label" x="${num((left + right) / 2)}" y="${num(height - 12)}" text-anchor="middle" fill="#222222">${escapeXml(spec.xLabel)}</text>`);
  const yLabelX = 18;
  const yLabelY = (top + bottom) / 2;
  out.push(`<text class="y-label" x="${yLabelX}" y="${num(yLabelY)}" text-anchor="middle" transform="rotate(-90 ${yLabelX} ${num(yLabelY)})" fill="#222222">${escapeXml(spec.yLabel)}</text>`);

  spec.series.forEach((series, index) => {
    out.push(`<g class="series" data-series="${index}" data-name="${escapeXml(series.name)}">`);
    const d = linePath(series.points, x, y);
    if (d !== '') out.push(`<path class="line" d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
    for (const point of series.points) {
      if (point.y === null) continue;
      out.push(`<g class="point" data-x="${point.x}" data-y="${point.y}" transform="translate(${num(x(point.x))} ${num(y(point.y))})">${markerSvg(series.marker, series.color, series.dashed === true)}</g>`);
    }
    out.push('</g>');
  });

  if (spec.legend.length > 0) {
    out.push('<g class="legend">');
    spec.legend.forEach((entry, i) => {
      const rowY = top + 8 + i * 20;
      out.push(`<g class="legend-entry" transform="translate(${num(legendX)} ${num(rowY)})">`);
      out.push(`<line x1="0" x2="${LEGEND_SWATCH}" y1="0" y2="0" stroke="${entry.color}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="7 4"' : ''}/>`);
      if (entry.marker) out.push(`<g transform="translate(${LEGEND_SWATCH / 2} 0)">${markerSvg(entry.marker, entry.color, entry.dashed === true)}</g>`);
      const label = entry.label.length > legendChars ? `${entry.label.slice(0, legendChars - 1)}…` : entry.label;
      out.push(`<text x="${LEGEND_SWATCH + 8}" y="4" fill="#222222">${escapeXml(label)}</text>`);
      out.push('</g>');
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
