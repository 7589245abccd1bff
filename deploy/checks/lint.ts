/**
 * The deploy checks of the test suite (scripts/test.sh): hadolint on every Dockerfile, `kubectl
 * kustomize` of every overlay, and checkov on the rendered manifests and the Dockerfiles with the
 * waivers of deploy/checkov/waivers.yaml. Needs no Docker engine and no cluster. Prints each step's
 * time; exits 1 when a check fails, 3 when a tool is missing.
 *   node --import tsx deploy/checks/lint.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode, UnavailableError } from '../../common/errors.js';
import { REPO_ROOT } from '../../common/paths.js';
import { DOCKER_DIR, dockerfiles, overlayNames, renderOverlay, venvTool } from './render.js';
import { readWaivers } from './waivers.js';

/** Runs a tool with its output on ours; resolves to its exit code. */
function runTool(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await step();
  console.log(`deploy lint: ${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

async function main(): Promise<number> {
  const files = dockerfiles();
  const failures: string[] = [];

  const hadolint = await timed(`hadolint ${files.length} Dockerfiles`, () =>
    runTool(venvTool('hadolint'), ['--config', path.join(DOCKER_DIR, 'hadolint.yaml'), ...files]),
  );
  if (hadolint !== 0) failures.push('hadolint');

  const outDir = await mkdtemp(path.join(tmpdir(), 'alc-deploy-lint-'));
  try {
    const rendered: string[] = [];
    for (const overlay of overlayNames()) {
      const text = await timed(`kubectl kustomize overlays/${overlay}`, () => renderOverlay(overlay));
      const file = path.join(outDir, `${overlay}.yaml`);
      await writeFile(file, text);
      rendered.push(file);
    }

    const { waivers } = await readWaivers();
    const checkov = await timed(`checkov on ${rendered.length} overlays and ${files.length} Dockerfiles (${waivers.length} waived checks)`, () =>
      runTool(venvTool('checkov'), [
        ...[...rendered, ...files].flatMap((file) => ['--file', file]),
        '--framework', 'kubernetes', 'dockerfile',
        '--skip-check', waivers.map((w) => w.check).join(','),
        // Offline: no download of Prisma Cloud's guidelines, no telemetry.
        '--skip-download',
        '--compact',
        '--quiet',
      ]),
    );
    if (checkov !== 0) failures.push('checkov');
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }

  if (failures.length > 0) {
    console.error(`deploy lint: failed: ${failures.join(', ')}`);
    return ExitCode.failure;
  }
  return ExitCode.ok;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`deploy lint: ${(error as Error).message}`);
  process.exitCode = error instanceof UnavailableError ? ExitCode.unavailable : ExitCode.failure;
}
