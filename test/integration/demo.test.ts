/**
 * The README's main job, on a tiny setting: `alc demo` end to end on its own embedded stack (real
 * Temporal, SeaweedFS, GPU and CPU worker processes, the annotation service, oracle annotators
 * answering over HTTP, the real trainer). Its table must show the labels getting better every round.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../support/run-cli.js';

describe('alc demo (tiny)', { timeout: 900_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alc-demo-test-'));
  const env = { ALC_STACK_DIR: path.join(dir, 'stack'), ALC_TRAINER_WORK_DIR: path.join(dir, 'trainer') };

  after(async () => {
    await runCli(['stack', 'down'], env);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a campaign answered through the annotation API and data mIoU rises round over round', async () => {
    const workDir = path.join(dir, 'work');
    const args = ['demo', '--images', '24', '--rounds', '2', '--budget', '30', '--epochs', '3', '--work-dir', workDir, '--json'];
    const result = await runCli(args, env, 840_000);
    assert.equal(result.code, 0, `demo failed:\n${result.stderr.slice(-4000)}`);
    const output = JSON.parse(result.stdout) as {
      campaigns: { strategy: string; rounds: { round: number; queries: number; answered: number; pixelsChanged: number; dataMIoU: number; modelMIoU: number }[] }[];
      html: string;
      png: string;
    };
    assert.equal(output.campaigns.length, 1);
    const [campaign] = output.campaigns;
    assert.equal(campaign.strategy, 'alc');
    assert.deepEqual(
      campaign.rounds.map((r) => r.round),
      [0, 1, 2],
    );
    for (const row of campaign.rounds.slice(1)) {
      assert.equal(row.queries, 30, `round ${row.round} asked the budget`);
      assert.equal(row.answered, row.queries, `round ${row.round}: the oracle annotators answered everything`);
      assert.ok(row.pixelsChanged > 0, `round ${row.round} changed labels`);
    }
    for (let r = 1; r < campaign.rounds.length; r++) {
      assert.ok(campaign.rounds[r].dataMIoU > campaign.rounds[r - 1].dataMIoU, `data mIoU rises from round ${r - 1} to ${r}: ${JSON.stringify(campaign.rounds)}`);
    }
    for (const row of campaign.rounds) assert.ok(row.modelMIoU > 0 && row.modelMIoU <= 1);
    assert.ok(existsSync(output.png) && readFileSync(output.png).subarray(1, 4).toString() === 'PNG');
    assert.match(readFileSync(output.html, 'utf8'), /<svg/);
    assert.match(result.stderr, /oracle annotators answering through http:\/\/127\.0\.0\.1:\d+\/api/);
  });
});
