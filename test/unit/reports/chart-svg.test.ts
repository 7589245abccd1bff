/**
 * The chart's SVG, parsed by a real XML parser (Python's ElementTree, from the project's .venv):
 * well-formed, one marker per value, positions where the scales put them, legend and styles.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { chartLayout, lineChartSvg, linearScale, MARKERS, niceTicks, PALETTE, type LineChartSpec } from '../../../reports/chart-svg.js';

const python = path.resolve(import.meta.dirname, '../../../.venv/bin/python');
const noPython = existsSync(python) ? false : `${python} is missing: create the venv (scripts/setup.sh) to parse the SVG`;

interface XmlElement {
  tag: string;
  attrib: Record<string, string>;
  text: string | null;
  /** `data-series` of the enclosing series group, if any. */
  series: string | null;
}

const PARSE = `
import sys, json, xml.etree.ElementTree as ET
out = []
def walk(el, series):
    if el.get('class') == 'series': series = el.get('data-series')
    out.append({'tag': el.tag.split('}')[-1], 'attrib': dict(el.attrib), 'text': el.text, 'series': series})
    for child in el: walk(child, series)
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag
walk(root, None)
print(json.dumps(out))
`;

function parseXml(svg: string): XmlElement[] {
  return JSON.parse(execFileSync(python, ['-c', PARSE], { input: svg, encoding: 'utf8' })) as XmlElement[];
}

function translateOf(element: XmlElement): [number, number] {
  const match = /^translate\(([-\d.]+) ([-\d.]+)\)$/.exec(element.attrib.transform ?? '');
  assert.ok(match, `expected a translate, got ${element.attrib.transform}`);
  return [Number(match[1]), Number(match[2])];
}

const spec: LineChartSpec = {
  title: 'mIoU <against> queries & more',
  xLabel: 'queries asked (cumulative)',
  yLabel: 'mIoU (%)',
  width: 800,
  height: 450,
  integerX: true,
  series: [
    { name: 'a: data', color: PALETTE[0], marker: MARKERS[0], points: [{ x: 0, y: 58.1 }, { x: 60, y: 80 }, { x: 120, y: 85.1 }, { x: 180, y: 85.8 }] },
    { name: 'a: model', color: PALETTE[0], marker: MARKERS[0], dashed: true, points: [{ x: 0, y: 83.8 }, { x: 60, y: null }, { x: 120, y: 89.9 }, { x: 180, y: 89.3 }] },
    { name: 'b "random" & co', color: PALETTE[1], marker: MARKERS[1], points: [{ x: 0, y: 58.1 }, { x: 100, y: 62 }] },
  ],
  legend: [
    { label: 'a (alc, sim)', color: PALETTE[0], marker: MARKERS[0] },
    { label: 'b <random>', color: PALETTE[1], marker: MARKERS[1] },
    { label: 'model mIoU', color: '#555555', dashed: true },
  ],
};

describe('niceTicks and linearScale', () => {
  it('chooses 1-2-5 steps that cover the range', () => {
    assert.deepEqual(niceTicks(58.1, 85.8), { ticks: [50, 60, 70, 80, 90], step: 10 });
    assert.deepEqual(niceTicks(0, 180, 6, 1), { ticks: [0, 50, 100, 150, 200], step: 50 });
    assert.deepEqual(niceTicks(0.12, 0.31, 4), { ticks: [0.1, 0.15, 0.2, 0.25, 0.3, 0.35], step: 0.05 });
    assert.deepEqual(niceTicks(0, 3, 6, 1), { ticks: [0, 1, 2, 3], step: 1 }, 'counts never get fractional ticks');
    const flat = niceTicks(70, 70);
    assert.ok(flat.ticks[0] < 70 && flat.ticks[flat.ticks.length - 1] > 70, 'a single value gets a range around it');
    assert.throws(() => niceTicks(2, 1), RangeError);
  });

  it('maps the domain onto the range, inverted for y', () => {
    const y = linearScale([50, 90], [400, 40]);
    assert.equal(y(50), 400);
    assert.equal(y(90), 40);
    assert.equal(y(70), 220);
  });
});

describe('lineChartSvg', { skip: noPython }, () => {
  const svg = lineChartSvg(spec);
  const elements = parseXml(svg);
  const { x, y } = chartLayout(spec);

  it('is well-formed SVG of the requested size with escaped text', () => {
    const root = elements[0];
    assert.equal(root.tag, 'svg');
    assert.deepEqual([root.attrib.width, root.attrib.height, root.attrib.viewBox], ['800', '450', '0 0 800 450']);
    assert.equal(elements.find((e) => e.attrib.class === 'title')?.text, 'mIoU <against> queries & more');
    assert.equal(elements.find((e) => e.tag === 'g' && e.attrib['data-series'] === '2')?.attrib['data-name'], 'b "random" & co');
    assert.equal(elements.find((e) => e.attrib.class === 'x-label')?.text, 'queries asked (cumulative)');
    assert.equal(elements.find((e) => e.attrib.class === 'y-label')?.text, 'mIoU (%)');
  });

  it('draws one marker per value (none for a missing one), where the scales put it', () => {
    const points = elements.filter((e) => e.attrib.class === 'point');
    assert.deepEqual(
      ['0', '1', '2'].map((s) => points.filter((p) => p.series === s).length),
      [4, 3, 2],
    );
    for (const point of points) {
      const [px, py] = translateOf(point);
      assert.ok(Math.abs(px - x(Number(point.attrib['data-x']))) < 0.01, `x of ${JSON.stringify(point.attrib)}`);
      assert.ok(Math.abs(py - y(Number(point.attrib['data-y']))) < 0.01, `y of ${JSON.stringify(point.attrib)}`);
    }
    // The domain is the ticks' span: x from 0 to 200, y from 50 to 90.
    assert.deepEqual([x.domain, y.domain], [[0, 200], [50, 90]]);
    const origin = points.find((p) => p.series === '0' && p.attrib['data-x'] === '0')!;
    assert.deepEqual(translateOf(origin), [x.range[0], Number(y(58.1).toFixed(2))]);
  });

  it('breaks a line at a missing value, dashes the dashed series and uses each series colour', () => {
    const lines = elements.filter((e) => e.attrib.class === 'line');
    assert.equal(lines.length, 3);
    const model = lines.find((l) => l.series === '1')!;
    assert.equal((model.attrib.d.match(/M/g) ?? []).length, 2, 'two segments around the missing value');
    assert.equal(model.attrib['stroke-dasharray'], '7 4');
    assert.equal(lines.find((l) => l.series === '0')!.attrib['stroke-dasharray'], undefined);
    assert.deepEqual(lines.map((l) => l.attrib.stroke), [PALETTE[0], PALETTE[0], PALETTE[1]]);
  });

  it('has labelled ticks and a legend entry per item', () => {
    assert.deepEqual(elements.filter((e) => e.attrib.class === 'x-tick').map((e) => e.text), ['0', '50', '100', '150', '200']);
    assert.deepEqual(elements.filter((e) => e.attrib.class === 'y-tick').map((e) => e.text), ['50', '60', '70', '80', '90']);
    const entries = elements.filter((e) => e.attrib.class === 'legend-entry');
    assert.equal(entries.length, 3);
    const texts = elements.filter((e) => e.tag === 'text' && e.text !== null).map((e) => e.text);
    assert.ok(texts.includes('b <random>'));
  });

  it('truncates legend labels that would not fit', () => {
    const long = lineChartSvg({ ...spec, width: 400, legend: [{ label: 'x'.repeat(200), color: PALETTE[2] }] });
    const label = parseXml(long).find((e) => e.tag === 'text' && e.text?.startsWith('xxx'))!;
    assert.ok(label.text!.endsWith('…') && label.text!.length < 40, label.text!);
  });
});
