import type { Command } from 'commander';
import { loadConnectionConfig } from '../../configs/load.js';
import { printJson, printLines } from '../output.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('the connection configuration (configs/*.yaml + ALC_* environment overrides)');

  config
    .command('show')
    .description('validate the configuration and print it as resolved (file, environment overrides, running embedded stack)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const loaded = await loadConnectionConfig();
      // Development keys are not secrets, but a printed configuration should never carry keys.
      const s3 = { ...loaded.config.s3, staticCredentials: loaded.config.s3.staticCredentials ? '(development keys)' : undefined };
      const resolved = { file: loaded.file, embeddedStackDir: loaded.embeddedStackDir, ...loaded.config, s3 };
      if (options.json) printJson(resolved);
      else printLines(`${loaded.file}: valid`, JSON.stringify(resolved, null, 2));
    });
}
