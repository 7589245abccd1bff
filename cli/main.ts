import { Command, CommanderError } from 'commander';
import { ExitCode, InputError, UnavailableError } from '../common/errors.js';
import { registerAnnotateCommand } from './commands/annotate.js';
import { registerCampaignCommands } from './commands/campaign.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDatasetCommands } from './commands/dataset.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEngineCommands } from './commands/engine.js';
import { registerExportCommand } from './commands/export.js';
import { registerInferCommand } from './commands/infer.js';
import { registerReportCommand } from './commands/report.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStackCommands } from './commands/stack.js';
import { registerTokenCommands } from './commands/token.js';
import { registerTrainCommand } from './commands/train.js';
import { registerWorkerCommands } from './commands/worker.js';

const program = new Command('alc')
  .description('Active Label Correction for semantic segmentation: durable campaigns on Temporal and S3')
  .option('-c, --config <file>', 'connection configuration (YAML); default $ALC_CONFIG or configs/local.yaml')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .hook('preAction', (command) => {
    const { config } = command.optsWithGlobals<{ config?: string }>();
    // Every module that loads the configuration reads ALC_CONFIG, so set it once here.
    if (config) process.env.ALC_CONFIG = config;
  });

registerStackCommands(program);
registerConfigCommands(program);
registerDatasetCommands(program);
registerEngineCommands(program);
registerWorkerCommands(program);
registerTrainCommand(program);
registerInferCommand(program);
registerCampaignCommands(program);
registerServeCommand(program);
registerTokenCommands(program);
registerAnnotateCommand(program);
registerReportCommand(program);
registerExportCommand(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are not failures; usage errors were already printed by commander.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`alc: ${message}\n`);
  if (process.env.ALC_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  if (error instanceof InputError) return ExitCode.badInput;
  if (error instanceof UnavailableError) return ExitCode.unavailable;
  return ExitCode.failure;
}
