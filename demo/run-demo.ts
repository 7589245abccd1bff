/**
 * The main job in one command: the embedded stack, a GPU and a CPU worker, the annotation service,
 * the synthetic dataset, one campaign (or four at equal budget with `--compare`), oracle
 * annotators answering through the annotation API (or a person in the browser with `--human`),
 * live progress, then the per-round table and the HTML report with its chart.
 *
 * Every piece is the product's own executable started as an operator would (`alc worker`,
 * `alc serve`, `alc annotate --oracle`, `alc campaign start`, `alc report`); the demo only wires
 * them together and watches the campaigns through their `status` query.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from '../common/paths.js';
import { loadConnectionConfig } from '../configs/load.js';
import { connectClient } from '../connections/temporal.js';
import { findFreePort } from '../stack/ports.js';
import { statusQuery, type CampaignStatusView } from '../workflows/messages.js';
import { demoCampaignPlans, type DemoStrategy } from './campaign-plans.js';
import { ManagedProcess, runAlcOnce, waitUntilReady } from './managed-process.js';
import { formatProgressLine, strategyComparison, type DemoCampaignResult } from './demo-summary.js';

export interface DemoOptions {
  images: number;
  rounds: number;
  budget: number;
  epochs: number;
  seed: number;
  strategy: DemoStrategy;
  compare: boolean;
  human: boolean;
  annotators: number;
  errorRate: number;
  /** Where logs, campaign files and the report go; default `.alc/demo/<run>`. */
  workDir?: string;
  /** Progress lines (stderr by default). */
  say: (line: string) => void;
}

export interface DemoResult {
  campaigns: DemoCampaignResult[];
  html: string;
  png: string;
  webUi: string;
  annotationPage: string;
  workDir: string;
  /** With --compare: do the look-ahead strategies beat random and pixel uncertainty? */
  comparison?: ReturnType<typeof strategyComparison>;
}

const StackUpSchema = z.object({
  temporal: z.object({ ui: z.string() }),
  s3: z.object({ bucket: z.string() }),
});
const CampaignStartSchema = z.object({ campaignId: z.string(), webUi: z.string() });
const TokenSchema = z.object({ token: z.string() });
const ReportSchema = z.object({
  rounds: z.array(
    z.object({
      round: z.number(),
      queries: z.number(),
      answered: z.number(),
      pixelsChanged: z.number(),
      dataMIoU: z.number().nullable(),
      modelMIoU: z.number().nullable(),
    }),
  ),
});

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { say } = options;
  const run = timestamp(new Date());
  const workDir = path.resolve(options.workDir ?? path.join(REPO_ROOT, '.alc/demo', run));
  const logs = path.join(workDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const children: ManagedProcess[] = [];
  const startChild = (name: string, args: string[]) => {
    const child = ManagedProcess.startAlc(name, args, path.join(logs, `${name}.log`));
    children.push(child);
    return child;
  };

  try {
    say('== embedded stack (Temporal dev server + SeaweedFS)');
    const stack = StackUpSchema.parse(JSON.parse((await runAlcOnce(['stack', 'up', '--free-ports', '--json'])).stdout));
    const webUi = stack.temporal.ui;

    say('== workers and annotation service');
    const [gpuHealth, gpuSdk, cpuHealth, cpuSdk, servePort] = await Promise.all([findFreePort(), findFreePort(), findFreePort(), findFreePort(), findFreePort()]);
    const gpu = startChild('worker-gpu', ['worker', 'gpu', '--health-port', String(gpuHealth), '--sdk-metrics-port', String(gpuSdk)]);
    const cpu = startChild('worker-cpu', ['worker', 'cpu', '--health-port', String(cpuHealth), '--sdk-metrics-port', String(cpuSdk)]);
    const service = startChild('annotation-service', ['serve', '--port', String(servePort)]);
    const serviceUrl = `http://127.0.0.1:${servePort}`;
    await Promise.all([
      waitUntilReady(gpu, `http://127.0.0.1:${gpuHealth}/readyz`),
      waitUntilReady(cpu, `http://127.0.0.1:${cpuHealth}/readyz`),
      waitUntilReady(service, `${serviceUrl}/readyz`),
    ]);
    say(`   GPU worker, CPU worker, annotation service at ${serviceUrl} (logs in ${logs})`);

    const datasetPrefix = `datasets/demo-${options.images}-${options.seed}/`;
    const datasetUri = `s3://${stack.s3.bucket}/${datasetPrefix}`;
    const existing = await runAlcOnce(['dataset', 'validate', '--dataset', datasetUri]).then(
      () => true,
      () => false,
    );
    if (existing) say(`== synthetic dataset: ${datasetUri} (already there)`);
    else {
      say(`== synthetic dataset: ${options.images} images -> ${datasetUri}`);
      await runAlcOnce(['dataset', 'generate', '--out', datasetUri, '--images', String(options.images), '--seed', String(options.seed)]);
    }

    const strategies: DemoStrategy[] = options.compare ? ['alc', 'a2lc', 'random', 'pixel'] : [options.strategy];
    const plans = demoCampaignPlans(strategies, {
      datasetPrefix,
      rounds: options.rounds,
      budget: options.budget,
      epochs: options.epochs,
      seed: options.seed,
      deadline: options.human ? '7 days' : '2 hours',
    });
    const campaigns: { strategy: DemoStrategy; campaignId: string; webUi: string }[] = [];
    for (const plan of plans) {
      const file = path.join(workDir, `${plan.config.name}.yaml`);
      writeFileSync(file, toYaml(plan.config));
      const started = CampaignStartSchema.parse(JSON.parse((await runAlcOnce(['campaign', 'start', file, '--id', `${plan.config.name}-${run}`, '--json'])).stdout));
      campaigns.push({ strategy: plan.strategy, ...started });
      say(`== campaign ${started.campaignId} (${plan.strategy}, ${options.rounds} rounds of ${options.budget} queries)`);
      say(`   Web UI ${started.webUi}`);
    }

    const ids = campaigns.map((c) => c.campaignId);
    if (options.human) {
      const args = ['token', 'create', '--annotator', 'you', '--json', ...ids.flatMap((id) => ['--campaign', id])];
      const { token } = TokenSchema.parse(JSON.parse((await runAlcOnce(args)).stdout));
      say(`== answer the queries in the browser: ${serviceUrl}/  (token: ${token})`);
    } else {
      for (const campaign of campaigns) {
        const args = ['token', 'create', '--annotator', `oracle-${campaign.strategy}`, '--campaign', campaign.campaignId, '--json'];
        const { token } = TokenSchema.parse(JSON.parse((await runAlcOnce(args)).stdout));
        startChild(`annotators-${campaign.strategy}`, [
          'annotate', '--oracle', '--campaign', campaign.campaignId, '--url', serviceUrl, '--token', token,
          '--annotators', String(options.annotators), '--error-rate', String(options.errorRate), '--seed', String(options.seed),
          '--until-campaign-done',
        ]);
      }
      say(`== oracle annotators answering through ${serviceUrl}/api (${options.annotators} per campaign)`);
    }

    await watchCampaigns(ids, say, [gpu, cpu, service]);

    say('== report');
    const results: DemoCampaignResult[] = [];
    for (const campaign of campaigns) {
      const report = ReportSchema.parse(JSON.parse((await runAlcOnce(['report', campaign.campaignId, '--json'])).stdout));
      results.push({ ...campaign, rounds: report.rounds });
    }
    const html = path.join(workDir, 'report.html');
    const png = path.join(workDir, 'report.png');
    const compare = ids.length > 1 ? ['--compare', ...ids.slice(1)] : [];
    await runAlcOnce(['report', ids[0], ...compare, '--html', html, '--png', png]);
    return {
      campaigns: results,
      html,
      png,
      webUi,
      annotationPage: `${serviceUrl}/`,
      workDir,
      comparison: options.compare ? strategyComparison(results) : undefined,
    };
  } finally {
    // Annotators first (they call the service), then the service, then the workers.
    for (const child of [...children].reverse()) await child.stop();
  }
}

/** Polls every campaign's status query until all completed; a step waiting for an operator ends the demo with its error. */
async function watchCampaigns(ids: string[], say: (line: string) => void, services: ManagedProcess[]): Promise<void> {
  const { config } = await loadConnectionConfig();
  const client = await connectClient(config.temporal);
  const last = new Map<string, string>();
  try {
    for (;;) {
      const statuses: CampaignStatusView[] = await Promise.all(ids.map((id) => client.workflow.getHandle(id).query(statusQuery)));
      for (const status of statuses) {
        const line = formatProgressLine(status);
        if (last.get(status.campaignId) !== line) say(line);
        last.set(status.campaignId, line);
        if (status.failure || status.roundFailure) {
          const message = status.failure?.message ?? status.roundFailure?.message ?? '';
          throw new Error(`campaign ${status.campaignId} needs an operator: ${message} (alc campaign status ${status.campaignId})`);
        }
        if (status.status === 'cancelled') throw new Error(`campaign ${status.campaignId} was cancelled`);
      }
      if (statuses.every((s) => s.status === 'completed')) return;
      const down = services.find((s) => !s.running);
      if (down) throw new Error(`${down.name} stopped unexpectedly: see ${down.logFile}`);
      await sleep(2000);
    }
  } finally {
    await client.connection.close();
  }
}
