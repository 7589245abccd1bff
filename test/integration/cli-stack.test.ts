import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, findFreePortPair } from '../../stack/ports.js';
import { stackDown } from '../../stack/embedded-stack.js';
import { runCli } from '../support/run-cli.js';

const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('alc stack: up, status, check, down through the real CLI', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'alc-cli-stack-'));
  const env = { ALC_STACK_DIR: dataDir, ALC_S3_BUCKET: 'alc-cli-test' };
  after(async () => {
    await stackDown(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the whole life cycle with meaningful exit codes', async () => {
    const before = await runCli(['stack', 'status', '--json'], env);
    assert.equal(before.code, 3, before.stderr);
    assert.equal(json(before.stdout).running, false);

    const temporalPort = await findFreePort();
    const uiPort = await findFreePort();
    const s3Port = await findFreePortPair(10000, '127.0.0.1', new Set([temporalPort, uiPort]));
    const ports = ['--temporal-port', String(temporalPort), '--ui-port', String(uiPort), '--s3-port', String(s3Port)];
    const up = await runCli(['stack', 'up', ...ports, '--json'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(json(up.stdout).alreadyRunning, false);

    const again = await runCli(['stack', 'up', ...ports, '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(json(again.stdout).alreadyRunning, true);

    const status = await runCli(['stack', 'status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { healthy: boolean; temporal: Record<string, unknown>; s3: Record<string, unknown> };
    assert.equal(parsed.healthy, true);
    assert.equal(parsed.temporal.address, `127.0.0.1:${temporalPort}`);
    assert.equal(parsed.temporal.ui, `http://127.0.0.1:${uiPort}`);
    assert.equal(parsed.temporal.namespace, 'default');
    assert.equal(parsed.s3.endpoint, `http://127.0.0.1:${s3Port}`);
    assert.equal(parsed.s3.bucket, 'alc-cli-test');

    // The configuration finds the stack through its state file: no addresses passed.
    const check = await runCli(['stack', 'check', '--json'], env);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(json(check.stdout).bytes, 65536);

    // A second stack on the same ports: refused, naming the port and a free alternative.
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'alc-cli-busy-'));
    const busy = await runCli(['stack', 'up', '--data-dir', otherDir, '--temporal-port', String(temporalPort)], env);
    rmSync(otherDir, { recursive: true, force: true });
    assert.equal(busy.code, 3);
    assert.match(busy.stderr, new RegExp(`Temporal gRPC port ${temporalPort} is in use: --temporal-port \\d+ is free`));
    assert.match(busy.stderr, /--free-ports/);

    const down = await runCli(['stack', 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /stack stopped/);
    const after = await runCli(['stack', 'status'], env);
    assert.equal(after.code, 3);
  });
});

describe('alc: usage and configuration errors', () => {
  it('exits 0 for help, 2 for an unknown command or a bad configuration', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: alc/);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const badConfig = await runCli(['-c', '/nonexistent/config.yaml', 'config', 'show']);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /\/nonexistent\/config\.yaml: cannot read the configuration file/);
  });
});
