import { Option, type Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { DATASET_LAYOUTS, ImportRefusedError, importDataset, type DatasetLayout } from '../../datasets/importers/import-dataset.js';
import { MANIFEST_NAME } from '../../datasets/manifest.js';
import { readManifest } from '../../datasets/manifest-file.js';
import { badItemIds, formatProblem } from '../../datasets/problems.js';
import { validateDataset } from '../../datasets/validate.js';
import { openLocation } from '../../storage/open-location.js';
import { printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';
import { registerDatasetGenerateCommand } from './dataset-generate.js';

interface ImportCommandOptions {
  layout: DatasetLayout;
  from: string;
  to: string;
  skipBad?: boolean;
  name?: string;
  json?: boolean;
}

interface ValidateCommandOptions {
  dataset: string;
  json?: boolean;
}

/** Adds the `dataset` command group: import, validate, generate. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('datasets in the alc layout: import from other layouts, validate');

  dataset
    .command('import')
    .description('copy a dataset into the alc layout with a manifest, refusing it if any item is bad')
    .addOption(new Option('--layout <layout>', 'layout of the source').choices(DATASET_LAYOUTS).makeOptionMandatory())
    .requiredOption('--from <location>', 'source dataset: local directory or s3://bucket/prefix')
    .requiredOption('--to <location>', 'destination, empty: local directory or s3://bucket/prefix')
    .option('--skip-bad', 'leave bad items out and list them, instead of refusing the dataset')
    .option('--name <name>', 'dataset name in the manifest (default: last segment of --from)')
    .option('--json', 'print JSON')
    .action(async (options: ImportCommandOptions) => {
      const [from, to] = await Promise.all([openLocation(options.from), openLocation(options.to)]);
      const importing = importDataset({
        layout: options.layout,
        from,
        to,
        skipBad: options.skipBad,
        name: options.name,
        onProgress: progressOnStderr('import', 'items'),
      });
      const { manifest, skippedItems, problems } = await importing.catch((error: unknown) => {
        throw explainRefusal(error, options);
      });
      const inSplit = (split: string) => manifest.items.filter((item) => item.split === split).length;
      const summary = {
        imported: true,
        manifest: to.describe(MANIFEST_NAME),
        name: manifest.name,
        items: manifest.items.length,
        train: inSplit('train'),
        val: inSplit('val'),
        skippedItems,
        problems,
      };
      if (options.json) {
        printJson(summary);
        return;
      }
      printLines(`Imported ${count(summary.items, 'item')} (${summary.train} train, ${summary.val} val) into ${summary.manifest}`);
      if (skippedItems.length > 0) printLines(`Skipped ${count(skippedItems.length, 'bad item')}:`, ...problems.map((problem) => `  ${formatProblem(problem)}`));
    });

  dataset
    .command('validate')
    .description('check every item of an alc-layout dataset: files present and decodable, sizes agree, labels are classes or 255')
    .requiredOption('--dataset <location>', 'dataset with a manifest.json: local directory or s3://bucket/prefix')
    .option('--json', 'print JSON')
    .action(async (options: ValidateCommandOptions) => {
      const location = await openLocation(options.dataset);
      const manifest = await readManifest(location);
      const problems = await validateDataset(location, manifest, { onProgress: progressOnStderr('validate', 'items') });
      const badItems = badItemIds(problems).length;
      if (options.json) printJson({ dataset: location.describe(MANIFEST_NAME), items: manifest.items.length, badItems, problems });
      else if (problems.length === 0) printLines(`${location.describe(MANIFEST_NAME)}: ${count(manifest.items.length, 'item')}, no problems`);
      else printLines(...problems.map(formatProblem));
      if (problems.length > 0) {
        throw new InputError(`${location.describe(MANIFEST_NAME)}: ${count(problems.length, 'problem')} in ${badItems} of ${count(manifest.items.length, 'item')}`);
      }
    });
  registerDatasetGenerateCommand(dataset);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * A refused import: in JSON mode the problems also go to stdout, for a program to read; the error
 * says whether --skip-bad would help (not when the dataset as a whole is broken).
 */
function explainRefusal(error: unknown, options: ImportCommandOptions): unknown {
  if (!(error instanceof ImportRefusedError)) return error;
  if (options.json) printJson({ imported: false, problems: error.problems });
  const onlyItems = error.problems.every((problem) => problem.item !== null);
  if (!onlyItems || options.skipBad) return error;
  return new InputError(`${error.message}\n(fix them, or pass --skip-bad to import without the bad items)`);
}
