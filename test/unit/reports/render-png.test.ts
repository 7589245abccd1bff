import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { chartLayout, lineChartSvg, PALETTE, type LineChartSpec } from '../../../reports/chart-svg.js';
import { renderSvgToPng } from '../../../reports/render-png.js';

const spec: LineChartSpec = {
  title: 'test',
  xLabel: 'queries',
  yLabel: 'mIoU (%)',
  width: 640,
  height: 400,
  integerX: true,
  series: [{ name: 's', color: PALETTE[1], marker: 'square', points: [{ x: 0, y: 40 }, { x: 50, y: 60 }, { x: 100, y: 80 }] }],
  legend: [],
};

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { info, at: (x: number, y: number) => Array.from(data.subarray((Math.round(y) * info.width + Math.round(x)) * 3, (Math.round(y) * info.width + Math.round(x)) * 3 + 3)) };
}

const hex = (color: string) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
const near = (a: number[], b: number[], tolerance = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

describe('renderSvgToPng', () => {
  it("renders the chart at the SVG's size, the series' colour at its markers and white background elsewhere", async () => {
    const png = await renderSvgToPng(lineChartSvg(spec));
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 640, 400]);
    const { at } = await pixels(png);
    const { x, y } = chartLayout(spec);
    for (const point of spec.series[0].points) {
      assert.ok(near(at(x(point.x), y(point.y!)), hex(PALETTE[1])), `marker at (${point.x}, ${point.y}) has the series colour, got ${at(x(point.x), y(point.y!)).join(',')}`);
    }
    assert.deepEqual(at(2, 2), [255, 255, 255], 'background in a corner');
    // Inside the plot, far from the line (top left): background.
    assert.ok(near(at(x(5) + 3, y(78) - 3), [255, 255, 255], 10));
  });

  it('scales for high-DPI output', async () => {
    const meta = await sharp(await renderSvgToPng(lineChartSvg(spec), 2)).metadata();
    assert.deepEqual([meta.width, meta.height], [1280, 800]);
    await assert.rejects(renderSvgToPng('<svg/>', 0), RangeError);
  });
});
