import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { DEMO_STRATEGIES, type DemoStrategy } from '../../demo/campaign-plans.js';
import { formatComparison, formatDemoTable } from '../../demo/demo-summary.js';
import { runDemo, type DemoOptions } from '../../demo/run-demo.js';
import { printJson, printLines } from '../output.js';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(`${name}: expected an integer ${min}..${max}, got "${value}"`);
    return n;
  };
}

function strategy(value: string): DemoStrategy {
  if (!(DEMO_STRATEGIES as readonly string[]).includes(value)) throw new InputError(`--strategy: expected one of ${DEMO_STRATEGIES.join(', ')}, got "${value}"`);
  return value as DemoStrategy;
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError(`--error-rate: expected a number 0..1, got "${value}"`);
  return n;
}

type DemoCommandOptions = Omit<DemoOptions, 'say'> & { json?: boolean };

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole product in one command: embedded stack, GPU + CPU workers, annotation service, synthetic dataset, ' +
        'a campaign answered by oracle annotators over the annotation API, live progress, the per-round table and an HTML report',
    )
    .option('--images <n>', 'synthetic dataset size', integer('--images', 8, 100_000), 80)
    .option('--rounds <n>', 'correction rounds after round 0', integer('--rounds', 1, 50), 3)
    .option('--budget <n>', 'queries per round', integer('--budget', 1, 100_000), 60)
    .option('--epochs <n>', 'training epochs per round (tiny model)', integer('--epochs', 1, 1000), 25)
    .option('--seed <n>', 'dataset, selection and trainer seed', integer('--seed', 0, 2 ** 31 - 1), 1)
    .option('--strategy <name>', `acquisition strategy: ${DEMO_STRATEGIES.join(' | ')}`, strategy, 'alc')
    .option('--compare', 'run alc, a2lc, random and pixel at equal budget and chart them together', false)
    .option('--human', 'no oracle: print a token and the annotation page, and wait for a person to answer', false)
    .option('--annotators <n>', 'oracle annotators per campaign', integer('--annotators', 1, 64), 2)
    .option('--error-rate <p>', "oracle annotators' error rate", rate, 0)
    .option('--work-dir <dir>', 'logs, campaign files and the report (default .alc/demo/<run>)')
    .option('--json', 'print the result as JSON (progress stays on stderr)')
    .action(async (options: DemoCommandOptions) => {
      const result = await runDemo({ ...options, say: (line) => process.stderr.write(`${line}\n`) });
      if (options.json) return printJson(result);
      printLines(
        '',
        formatDemoTable(result.campaigns),
        ...(result.comparison ? ['', formatComparison(result.comparison)] : []),
        '',
        `report      ${result.html}`,
        `chart       ${result.png}`,
        `Web UI      ${result.webUi}`,
        ...result.campaigns.map((c) => `            ${c.webUi}`),
        `annotation  ${result.annotationPage} (served while the demo runs: alc serve)`,
        `logs        ${result.workDir}/logs`,
        'the stack keeps running (alc stack status | alc stack down)',
      );
    });
}
