import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, mock } from 'node:test';
import { Command } from 'commander';
import { registerDatasetCommands } from '../../../cli/commands/dataset.js';
import { InputError } from '../../../common/errors.js';
import { alcLayoutFiles, tempDir, writeFiles } from './dataset-fixtures.js';

interface Run {
  stdout: string;
  stderr: string;
  error?: unknown;
}

/** Runs `alc dataset …` in-process, capturing what it prints. */
async function alc(...args: string[]): Promise<Run> {
  const program = new Command('alc').exitOverride();
  registerDatasetCommands(program);
  const run: Run = { stdout: '', stderr: '' };
  const stdout = mock.method(process.stdout, 'write', (chunk: string | Uint8Array) => ((run.stdout += String(chunk)), true));
  const stderr = mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => ((run.stderr += String(chunk)), true));
  try {
    await program.parseAsync(['dataset', ...args], { from: 'user' });
  } catch (error) {
    run.error = error;
  } finally {
    stdout.mock.restore();
    stderr.mock.restore();
  }
  return run;
}

describe('alc dataset', () => {
  it('imports, then validates, with JSON output', async (t) => {
    const src = await tempDir(t);
    const dst = await tempDir(t);
    await writeFiles(src, await alcLayoutFiles());

    const imported = await alc('import', '--layout', 'alc', '--from', src, '--to', dst, '--name', 'pets', '--json');
    assert.equal(imported.error, undefined);
    assert.deepEqual(JSON.parse(imported.stdout), {
      imported: true,
      manifest: path.join(dst, 'manifest.json'),
      name: 'pets',
      items: 3,
      train: 2,
      val: 1,
      skippedItems: [],
      problems: [],
    });
    assert.match(imported.stderr, /^import: 3\/3 items$/m);

    const validated = await alc('validate', '--dataset', dst);
    assert.equal(validated.error, undefined);
    assert.equal(validated.stdout, `${path.join(dst, 'manifest.json')}: 3 items, no problems\n`);
  });

  it('fails validation with exit-code-2 errors and lists the problems', async (t) => {
    const src = await tempDir(t);
    const dst = await tempDir(t);
    await writeFiles(src, await alcLayoutFiles());
    assert.equal((await alc('import', '--layout', 'alc', '--from', src, '--to', dst)).error, undefined);
    await unlink(path.join(dst, 'superpixels/b.png'));

    const human = await alc('validate', '--dataset', dst);
    assert.ok(human.error instanceof InputError);
    assert.equal(human.error.message, `${path.join(dst, 'manifest.json')}: 1 problem in 1 of 3 items`);
    assert.equal(human.stdout, `b: ${path.join(dst, 'superpixels/b.png')}: missing file\n`);

    const json = await alc('validate', '--dataset', dst, '--json');
    assert.ok(json.error instanceof InputError);
    assert.deepEqual(JSON.parse(json.stdout), {
      dataset: path.join(dst, 'manifest.json'),
      items: 3,
      badItems: 1,
      problems: [{ item: 'b', file: path.join(dst, 'superpixels/b.png'), reason: 'missing file' }],
    });
  });

  it('explains a refused import and how --skip-bad would help', async (t) => {
    const src = await tempDir(t);
    const files = await alcLayoutFiles();
    delete files['pseudo/c.png'];
    await writeFiles(src, files);
    const refused = await alc('import', '--layout', 'alc', '--from', src, '--to', await tempDir(t), '--json');
    assert.ok(refused.error instanceof InputError);
    assert.match(refused.error.message, /pseudo\/c\.png: missing file\n\(fix them, or pass --skip-bad to import without the bad items\)$/);
    assert.deepEqual(JSON.parse(refused.stdout), { imported: false, problems: [{ item: 'c', file: path.join(src, 'pseudo/c.png'), reason: 'missing file' }] });

    const skipped = await alc('import', '--layout', 'alc', '--from', src, '--to', await tempDir(t), '--skip-bad');
    assert.equal(skipped.error, undefined);
    assert.match(skipped.stdout, /^Imported 2 items \(2 train, 0 val\) into .*manifest\.json\nSkipped 1 bad item:\n {2}c: .*pseudo\/c\.png: missing file\n$/);
  });

  it('rejects an unknown layout', async () => {
    const run = await alc('import', '--layout', 'coco', '--from', 'a', '--to', 'b');
    assert.match(run.stderr, /argument 'coco' is invalid\. Allowed choices are alc, voc, cityscapes, kvasir/);
  });
});
