import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrainer } from '../../../activities/train/run-trainer.js';
import type { TrainerEvent } from '../../../activities/train/trainer-events.js';

/**
 * The trainer process is the boundary faked here: small scripts that speak the contract (or break
 * it) stand in for PyTorch so cancellation and protocol handling can be tested in milliseconds.
 */
function fakeTrainer(body: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-fake-trainer-'));
  const file = path.join(dir, 'trainer.mjs');
  writeFileSync(file, body);
  return file;
}

function run(script: string, signal = new AbortController().signal, killGraceMs = 200) {
  const events: TrainerEvent[] = [];
  const exit = runTrainer({ command: [process.execPath, script, '{spec}'], specPath: '/spec.json', cwd: os.tmpdir(), signal, killGraceMs, onEvent: (e) => events.push(e) });
  return { exit, events };
}

describe('runTrainer', () => {
  it('streams contract events, ignores unknown ones, and passes the spec path', async () => {
    const script = fakeTrainer(`
      const say = (e) => console.log(JSON.stringify(e));
      say({ event: 'start', epochs: 2, startEpoch: 0, spec: process.argv[2] });
      say({ event: 'telemetry', gpu: 1 });
      say({ event: 'epoch', epoch: 1, epochs: 2, step: 1, steps: 2, loss: 0.5, lr: 0.1, etaSeconds: 1 });
      say({ event: 'done', metrics: { finalLoss: 0.4 } });
    `);
    const { exit, events } = run(script);
    const result = await exit;
    assert.equal(result.code, 0);
    assert.deepEqual(events.map((e) => e.event), ['start', 'epoch', 'done']);
    assert.equal((events[0] as { spec?: string }).spec, '/spec.json');
  });

  it('reports the error event and exit code of a bad-input failure', async () => {
    const script = fakeTrainer(`
      console.log(JSON.stringify({ event: 'error', kind: 'bad-input', message: 'spec.seed: expected an integer' }));
      process.exit(2);
    `);
    const result = await run(script).exit;
    assert.equal(result.code, 2);
    assert.equal(result.errorKind, 'bad-input');
    assert.equal(result.errorMessage, 'spec.seed: expected an integer');
  });

  it('on cancellation sends SIGTERM, then SIGKILL to a trainer that ignores it', async () => {
    const script = fakeTrainer(`
      process.on('SIGTERM', () => console.error('got SIGTERM, ignoring'));
      console.log(JSON.stringify({ event: 'start', epochs: 1, startEpoch: 0 }));
      setInterval(() => {}, 1000);
    `);
    const controller = new AbortController();
    const { exit, events } = run(script, controller.signal, 300);
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelledAt = Date.now();
    controller.abort(new Error('cancelled'));
    const result = await exit;
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(Date.now() - cancelledAt >= 250, 'SIGKILL only after the grace period');
    assert.ok(result.stderrTail.includes('got SIGTERM, ignoring'));
  });

  it('stops at SIGTERM when the trainer honours it', async () => {
    const script = fakeTrainer(`
      process.on('SIGTERM', () => process.exit(75));
      console.log(JSON.stringify({ event: 'start', epochs: 1, startEpoch: 0 }));
      setInterval(() => {}, 1000);
    `);
    const controller = new AbortController();
    const { exit, events } = run(script, controller.signal, 10_000);
    while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('cancelled'));
    assert.equal((await exit).code, 75);
  });

  it('fails a run that printed something other than JSON on stdout', async () => {
    const script = fakeTrainer(`console.log('hello from a chatty library');`);
    await assert.rejects(run(script).exit, /non-JSON line on stdout: hello from a chatty library/);
  });
});
