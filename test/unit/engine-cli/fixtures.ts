/** Inputs on disk for the engine CLI tests, and running `alc` on them. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { encodeLabelPng, encodeSuperpixelPng } from '../../../datasets/png.js';
import { encodeFloat32Npy } from '../../../engine/npy.js';
import type { ImageInput } from '../../../engine/types.js';
import { runCli, type CliResult } from '../../support/run-cli.js';
import { imageFrom } from '../engine/helpers.js';

export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'alc-engine-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestImage {
  readonly id: string;
  readonly input: ImageInput;
  /** Written to `gt/<id>.png` when given. */
  readonly groundTruth?: Uint8Array;
}

/** The input folders under a test root. */
export function dirs(root: string): { soft: string; labels: string; superpixels: string; gt: string } {
  return { soft: path.join(root, 'soft'), labels: path.join(root, 'labels'), superpixels: path.join(root, 'superpixels'), gt: path.join(root, 'gt') };
}

export async function writeTestFile(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

/** Writes `soft/<id>.npy`, `labels/<id>.png`, `superpixels/<id>.png` and, where given, `gt/<id>.png`. */
export async function writeImages(root: string, images: readonly TestImage[]): Promise<void> {
  const d = dirs(root);
  for (const { id, input, groundTruth } of images) {
    const { classes, height, width } = input;
    await writeTestFile(path.join(d.soft, `${id}.npy`), encodeFloat32Npy(input.softLabels, [classes, height, width]));
    await writeTestFile(path.join(d.labels, `${id}.png`), await encodeLabelPng({ width, height, data: input.labels }));
    await writeTestFile(path.join(d.superpixels, `${id}.png`), await encodeSuperpixelPng({ width, height, data: Uint32Array.from(input.superpixels) }));
    if (groundTruth !== undefined) await writeTestFile(path.join(d.gt, `${id}.png`), await encodeLabelPng({ width, height, data: groundTruth }));
  }
}

/** `--soft-labels … --labels … --superpixels …` for the inputs under `root`. */
export function inputArgs(root: string): string[] {
  const d = dirs(root);
  return ['--soft-labels', d.soft, '--labels', d.labels, '--superpixels', d.superpixels];
}

/** Runs `alc` and fails the test, showing stderr, unless it succeeds. */
export async function alcOk(...args: string[]): Promise<CliResult> {
  const result = await runCli(args);
  assert.equal(result.code, 0, `alc ${args.join(' ')} failed:\n${result.stderr}`);
  return result;
}

/**
 * Runs `alc`, expects exit code 2 and exactly one error line (progress lines aside), and returns
 * that line without its `alc: ` prefix.
 */
export async function alcBadInput(...args: string[]): Promise<string> {
  const result = await runCli(args);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('alc: '));
  assert.equal(result.code, 2, `expected exit code 2, got ${result.code}:\n${result.stderr}`);
  assert.equal(errors.length, 1, `expected one error line:\n${result.stderr}`);
  return errors[0].slice('alc: '.length);
}

export async function readJsonl(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

export function toJsonl(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/** A value through JSON and back, as the CLI's output files hold it. */
export function viaJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * A 2 x 4 image with 3 classes worked through by hand in the oracle and apply-answers tests.
 * Superpixel 1 (columns 0-1): P(row 0, col 0) = [.1 .8 .1], the others [.8 .1 .1], so d = 0,
 * r = (row 0, col 1) and, at tau 0.5, E leaves out (row 0, col 0) (cosine 0.258). Its labels are
 * mostly wrong; the ground truth is split 1 | 0 between the rows. Superpixel 2 (columns 2-3):
 * P = [.1 .1 .8], labels 2, ground truth 2 but for one pixel.
 */
export function handImage(): { input: ImageInput; groundTruth: Uint8Array } {
  const vectors = [
    [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8],
    [0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8],
  ];
  const input = imageFrom({
    height: 2,
    width: 4,
    vectors,
    labels: [2, 2, 2, 2, 2, 0, 2, 2],
    superpixels: [1, 1, 2, 2, 1, 1, 2, 2],
  });
  return { input, groundTruth: Uint8Array.from([1, 1, 2, 2, 0, 0, 2, 1]) };
}
