/**
 * Options shared by the engine commands (acquire, oracle, apply-answers, evaluate): the scoring
 * inputs, --mode and --tau, number parsers, and the class list of --classes.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { classPreset, parseClassesJson, vocColor, type ClassPresetName } from '../../datasets/class-presets.js';
import type { ClassDef } from '../../datasets/manifest.js';
import { MAX_CLASSES, type Mode } from '../../engine/types.js';
import { readFileArgument } from '../file-argument.js';

export const MODES: readonly Mode[] = ['alc', 'a2lc'];

export interface ScoringInputOptions {
  softLabels: string;
  labels: string;
  superpixels: string;
  mode: Mode;
  tau: number;
}

export function parseNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError('Expected a number.');
  return number;
}

/** An integer >= `min`. */
export function integerParser(min: number): (value: string) => number {
  return (value) => {
    const number = parseNumber(value);
    if (!Number.isSafeInteger(number) || number < min) throw new InvalidArgumentError(`Expected a whole number >= ${min}.`);
    return number;
  };
}

export function parseFraction(value: string): number {
  const number = parseNumber(value);
  if (number < 0 || number > 1) throw new InvalidArgumentError('Expected a number in [0, 1].');
  return number;
}

/** Adds --soft-labels, --labels, --superpixels, --mode and --tau, the inputs and settings of scoring. */
export function addScoringInputOptions(command: Command): Command {
  return command
    .requiredOption('--soft-labels <location>', 'soft labels <id>.npy (float32 or float16, C x H x W): directory or s3://bucket/prefix')
    .requiredOption('--labels <location>', 'working labels <id>.png (class ids, 255 = unknown)')
    .requiredOption('--superpixels <location>', 'superpixel maps <id>.png (8- or 16-bit ids, 0 = none)')
    .addOption(new Option('--mode <mode>', 'ALC or A2LC representative and queried label (the same --mode and --tau in every command of a round)').choices(MODES).default('alc'))
    .option('--tau <x>', 'expansion threshold: E = pixels with cos(P(x), v) >= tau', parseNumber, 0);
}

/** A class list and the number of classes it implies (largest id + 1). */
export interface ClassList {
  readonly classes: readonly ClassDef[];
  readonly count: number;
  /** Class names by id; ids the list leaves out are named by their number. */
  readonly names: readonly string[];
  /** Where the list came from, for messages. */
  readonly source: string;
}

const PRESETS: readonly ClassPresetName[] = ['voc', 'cityscapes', 'kvasir'];

/** `--classes`: a preset name, a number of classes (named by id), or a classes.json file. */
export async function resolveClassList(spec: string): Promise<ClassList> {
  let classes: ClassDef[];
  let source = `--classes ${spec}`;
  if ((PRESETS as readonly string[]).includes(spec)) {
    classes = classPreset(spec as ClassPresetName);
  } else if (/^\d+$/.test(spec)) {
    const count = Number(spec);
    if (count < 1 || count > MAX_CLASSES) throw new InputError(`--classes ${spec}: expected 1..${MAX_CLASSES} classes`);
    classes = Array.from({ length: count }, (_, id) => ({ id, name: String(id), color: vocColor(id) }));
  } else {
    const { bytes, file } = await readFileArgument(spec);
    classes = parseClassesJson(bytes, file);
    source = file;
  }
  const count = Math.max(...classes.map((c) => c.id)) + 1;
  const names = Array.from({ length: count }, (_, id) => String(id));
  for (const { id, name } of classes) names[id] = name;
  return { classes, count, names, source };
}
