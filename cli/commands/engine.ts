import type { Command } from 'commander';
import { registerAcquireCommand } from './acquire.js';
import { registerApplyAnswersCommand } from './apply-answers.js';
import { registerEvaluateCommand } from './evaluate.js';
import { registerOracleCommand } from './oracle.js';

/**
 * Adds the offline commands of the ALC engine, one round by hand (and a drop-in for the official
 * scripts): acquire, oracle, apply-answers, evaluate.
 */
export function registerEngineCommands(program: Command): void {
  registerAcquireCommand(program);
  registerOracleCommand(program);
  registerApplyAnswersCommand(program);
  registerEvaluateCommand(program);
}
