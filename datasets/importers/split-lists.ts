/** Split files: text files of item ids, one a line, one file per split. */
import { compareCodePoints } from '../../common/order.js';
import type { Location } from '../../storage/location.js';
import type { DatasetProblem } from '../problems.js';
import type { Split } from './layout.js';

export interface ListedItem {
  id: string;
  split: Split;
}

/**
 * The items the split files list, sorted by id. A missing split file is a problem of the dataset;
 * an id that no manifest could hold, or that two splits claim, is a problem of that item, which
 * is left out. Blank lines, surrounding spaces and repeats within one file mean nothing.
 */
export async function readSplitLists(
  location: Location,
  files: ReadonlySet<string>,
  splitFiles: Record<Split, string>,
): Promise<{ items: ListedItem[]; problems: DatasetProblem[] }> {
  const problems: DatasetProblem[] = [];
  const splitOf = new Map<string, Split>();
  const conflicting = new Set<string>();
  for (const split of ['train', 'val'] as const) {
    const name = splitFiles[split];
    const file = location.describe(name);
    if (!files.has(name)) {
      problems.push({ item: null, file, reason: 'missing split file' });
      continue;
    }
    const ids = new Set((await location.read(name)).toString('utf8').split('\n').map((line) => line.trim()).filter((line) => line !== ''));
    for (const id of ids) {
      const earlier = splitOf.get(id);
      if (id.includes('/')) {
        problems.push({ item: id, file, reason: 'an item id cannot contain "/"' });
      } else if (earlier !== undefined) {
        problems.push({ item: id, file, reason: `also listed in ${location.describe(splitFiles[earlier])}` });
        conflicting.add(id);
      } else {
        splitOf.set(id, split);
      }
    }
  }
  const items = [...splitOf].filter(([id]) => !conflicting.has(id)).map(([id, split]) => ({ id, split }));
  return { items: items.sort((a, b) => compareCodePoints(a.id, b.id)), problems };
}
