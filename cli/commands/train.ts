import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ApplicationFailure } from '@temporalio/common';
import { InputError } from '../../common/errors.js';
import { formatZodIssues } from '../../common/zod-errors.js';
import { loadConnectionConfig } from '../../configs/load.js';
import { trainSegmentation, TrainSegmentationInputSchema } from '../../activities/train/train-segmentation.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { createS3Client } from '../../storage/s3-client.js';
import { printJson, printLines } from '../output.js';
import { progressOnStderr } from '../progress.js';

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a segmentation model with the configured trainer, exactly as the train activity does (outputs published in S3)')
    .requiredOption(
      '--spec <file>',
      'JSON: {"datasetPrefix","labelsPrefix"?,"model":{"config":"tiny"|"paper"},"hyperparameters"?,"seed","initialCheckpointKey"?,"outputPrefix"} (keys in the configured bucket)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { spec: string; json?: boolean }) => {
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(options.spec, 'utf8'));
      } catch (error) {
        throw new InputError(`${options.spec}: cannot read a JSON train spec (${(error as Error).message})`);
      }
      const parsed = TrainSegmentationInputSchema.safeParse(raw);
      if (!parsed.success) throw new InputError(formatZodIssues(options.spec, parsed.error));
      const { config } = await loadConnectionConfig();
      const store = new ArtifactStore(createS3Client(config.s3), config.s3.bucket, config.s3.prefix);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort(new Error('interrupted')));
      const bar = progressOnStderr('train', 'epochs');
      try {
        const result = await trainSegmentation({ store, trainer: config.trainer }, parsed.data, {
          report: (progress) => {
            if (progress.epochs) bar({ done: progress.epoch, total: progress.epochs });
          },
          signal: abort.signal,
          log: (message) => process.stderr.write(`${message}\n`),
        });
        if (options.json) printJson(result);
        else printLines(`trained ${result.epochs} epochs in ${result.trainSeconds.toFixed(1)}s, final loss ${result.finalLoss.toFixed(4)}`, `model: ${store.uri(result.modelKey)}`);
      } catch (error) {
        // The trainer's own bad-input message is the user's error here.
        if (error instanceof ApplicationFailure && error.nonRetryable) throw new InputError(error.message);
        throw error;
      } finally {
        store.client.destroy();
      }
    });
}
