/**
 * Imports a dataset from one of the known layouts into a copy in the `alc` layout with a manifest.
 * Images and superpixel maps are copied byte for byte; label maps (pseudo labels, ground truth)
 * are converted to class ids and written as palette PNGs in the class colours.
 */
import { InputError } from '../../common/errors.js';
import { compareCodePoints } from '../../common/order.js';
import type { Location } from '../../storage/location.js';
import { DEFAULT_ITEM_CONCURRENCY, forEachConcurrently } from '../concurrency.js';
import { loadItem, type ItemSource, type LoadedItem } from '../item-check.js';
import { MANIFEST_NAME, type ClassDef, type DatasetItem, type DatasetManifest } from '../manifest.js';
import { writeManifest } from '../manifest-file.js';
import { encodeLabelPng, type LabelMap } from '../png.js';
import { badItemIds, formatProblemList, type DatasetProblem } from '../problems.js';
import type { OnProgress } from '../progress.js';
import { alcLayout, CLASSES_FILE, SPLIT_FILES } from './alc.js';
import { cityscapesLayout } from './cityscapes.js';
import { kvasirLayout } from './kvasir.js';
import type { LayoutReader, SourceItem, Split } from './layout.js';
import { vocLayout } from './voc.js';

const LAYOUTS = { alc: alcLayout, voc: vocLayout, cityscapes: cityscapesLayout, kvasir: kvasirLayout } satisfies Record<string, LayoutReader>;

export type DatasetLayout = keyof typeof LAYOUTS;
export const DATASET_LAYOUTS = Object.keys(LAYOUTS) as DatasetLayout[];

export interface ImportOptions {
  layout: DatasetLayout;
  from: Location;
  /** Must not hold a dataset already. */
  to: Location;
  /** Leave bad items out (and report them) instead of refusing the whole dataset. */
  skipBad?: boolean;
  onProgress?: OnProgress;
  /** The manifest's name; by default the last segment of the source's address. */
  name?: string;
  /** Items converted at once. */
  concurrency?: number;
}

export interface ImportResult {
  manifest: DatasetManifest;
  /** Ids of the items left out, in id order (only with `skipBad`). */
  skippedItems: string[];
  /** Why they were left out. */
  problems: DatasetProblem[];
}

/** The source has problems and nothing was published: `problems` lists every one. */
export class ImportRefusedError extends InputError {
  constructor(
    source: string,
    readonly problems: DatasetProblem[],
    summary = `${problems.length} problem${problems.length === 1 ? '' : 's'}`,
  ) {
    super(`${source}: import refused (no manifest written), ${summary}${problems.length > 0 ? `:\n${formatProblemList(problems)}` : ''}`);
  }
}

export async function importDataset(options: ImportOptions): Promise<ImportResult> {
  const { layout, from, to, skipBad = false } = options;
  if (await to.exists(MANIFEST_NAME)) {
    throw new InputError(`${to.describe(MANIFEST_NAME)}: the destination already holds a dataset; import into an empty location`);
  }
  const reader: LayoutReader = LAYOUTS[layout];
  const files = new Set(await from.list());
  const scan = await reader.scan(from, files);
  const source = from.describe('');
  if (scan.classes === undefined || scan.problems.some((problem) => problem.item === null)) {
    throw new ImportRefusedError(source, scan.problems);
  }
  const { classes } = scan;
  const itemSource: ItemSource = { location: from, files, classes, decodeGroundTruth: reader.decodeGroundTruth };

  // Without skipBad, one bad item dooms the import: from then on items are only checked, not
  // written, so every problem is still reported but no time is spent copying.
  let refused = !skipBad && scan.problems.length > 0;
  const problemsByItem: DatasetProblem[][] = [];
  const imported: (DatasetItem | undefined)[] = [];
  let done = 0;
  await forEachConcurrently(scan.items, options.concurrency ?? DEFAULT_ITEM_CONCURRENCY, async (item, index) => {
    const { loaded, problems } = await loadItem(itemSource, item.id, item.files);
    problemsByItem[index] = problems;
    refused ||= !skipBad && problems.length > 0;
    if (loaded !== undefined && !refused) imported[index] = await writeItem(to, item, loaded, classes);
    options.onProgress?.({ done: ++done, total: scan.items.length });
  });

  const problems = [...scan.problems, ...problemsByItem.flat()].sort(byItem);
  if (refused) throw new ImportRefusedError(source, problems);
  const items = imported.filter((item) => item !== undefined);
  if (items.length === 0) throw new ImportRefusedError(source, problems, problems.length === 0 ? 'no items found' : 'no item is fit to import');

  await Promise.all([
    ...(['train', 'val'] as const).map((split) => to.write(SPLIT_FILES[split], splitList(items, split))),
    to.write(CLASSES_FILE, `${JSON.stringify(classes, null, 2)}\n`),
  ]);
  const manifest: DatasetManifest = {
    version: 1,
    name: options.name ?? defaultName(source, layout),
    classes,
    items,
    provenance: { importer: `import:${layout}`, source, createdAt: new Date().toISOString() },
  };
  await writeManifest(to, manifest);
  return { manifest, skippedItems: badItemIds(problems), problems };
}

async function writeItem(to: Location, item: SourceItem, loaded: LoadedItem, classes: readonly ClassDef[]): Promise<DatasetItem> {
  const { id, split } = item;
  const written: DatasetItem = {
    id,
    image: `images/${id}.${item.files.image.toLowerCase().endsWith('.png') ? 'png' : 'jpg'}`,
    pseudoLabel: `pseudo/${id}.png`,
    superpixels: `superpixels/${id}.png`,
    ...(loaded.groundTruth === undefined ? {} : { groundTruth: `gt/${id}.png` }),
    split,
  };
  const labelFiles: [string, LabelMap][] = [[written.pseudoLabel, loaded.pseudoLabel]];
  if (loaded.groundTruth !== undefined) labelFiles.push([`gt/${id}.png`, loaded.groundTruth]);
  await Promise.all([
    to.write(written.image, loaded.imageBytes),
    to.write(written.superpixels, loaded.superpixelBytes),
    ...labelFiles.map(async ([name, labels]) => to.write(name, await encodeLabelPng(labels, classes))),
  ]);
  return written;
}

function splitList(items: readonly DatasetItem[], split: Split): string {
  return items.filter((item) => item.split === split).map((item) => `${item.id}\n`).join('');
}

/** Dataset problems first, then item problems by item id; within an item, as found. */
function byItem(a: DatasetProblem, b: DatasetProblem): number {
  if (a.item === null || b.item === null) return a.item === b.item ? 0 : a.item === null ? -1 : 1;
  return compareCodePoints(a.item, b.item);
}

function defaultName(source: string, layout: DatasetLayout): string {
  return source.split('/').filter((segment) => segment !== '').at(-1) ?? layout;
}
