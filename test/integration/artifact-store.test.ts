import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { InputError, NotFoundError } from '../../common/errors.js';
import { ArtifactConflictError, ArtifactStore } from '../../storage/artifact-store.js';
import { LocalDirLocation } from '../../storage/local-location.js';
import type { Location } from '../../storage/location.js';
import { S3Location } from '../../storage/s3-location.js';
import { createS3Client } from '../../storage/s3-client.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

describe('artifact store on a real S3 server (SeaweedFS)', () => {
  let stack: TestStack;
  let store: ArtifactStore;
  before(async () => {
    stack = await startTestStack('alc-store-');
    store = new ArtifactStore(createS3Client(stack.config.s3), stack.config.s3.bucket, 'tests/');
  });
  after(async () => {
    store?.client.destroy();
    await stack?.teardown();
  });

  it('round-trips bytes and reports a missing key as NotFoundError with its URI', async () => {
    const body = randomBytes(1000);
    await store.putBytes('bytes/a.bin', body);
    assert.deepEqual(await store.getBytes('bytes/a.bin'), body);
    assert.equal(await store.exists('bytes/a.bin'), true);
    assert.equal(await store.exists('bytes/missing.bin'), false);
    await assert.rejects(store.getBytes('bytes/missing.bin'), (error: unknown) => {
      assert.ok(error instanceof NotFoundError);
      assert.match(error.message, /s3:\/\/alc-test\/tests\/bytes\/missing\.bin does not exist/);
      return true;
    });
  });

  it('streams a multipart upload of unknown length and reads back the same bytes', async () => {
    // 21 MiB in 1 MiB chunks from a generator: three 8 MiB parts, never all in one buffer.
    const chunks = Array.from({ length: 21 }, (_, i) => createHash('sha512').update(String(i)).digest().subarray(0, 64));
    const hash = createHash('sha256');
    function* generate() {
      for (const seed of chunks) {
        const chunk = Buffer.alloc(1024 * 1024);
        for (let offset = 0; offset < chunk.length; offset += seed.length) seed.copy(chunk, offset);
        hash.update(chunk);
        yield chunk;
      }
    }
    await store.putStream('big/stream.bin', Readable.from(generate()));
    const expected = hash.digest('hex');
    const readBack = createHash('sha256');
    let bytes = 0;
    for await (const chunk of await store.getStream('big/stream.bin')) {
      readBack.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    assert.equal(bytes, 21 * 1024 * 1024);
    assert.equal(readBack.digest('hex'), expected);
  });

  it('validates JSON on read and names the object and every bad field', async () => {
    const schema = z.object({ round: z.number().int(), keys: z.array(z.string()) });
    await store.putJson('json/good.json', { round: 2, keys: ['a'] });
    assert.deepEqual(await store.getJson('json/good.json', schema), { round: 2, keys: ['a'] });
    await store.putJson('json/bad.json', { round: 'two', keys: [1] });
    await assert.rejects(store.getJson('json/bad.json', schema), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /s3:\/\/alc-test\/tests\/json\/bad\.json: round: /);
      assert.match(error.message, /s3:\/\/alc-test\/tests\/json\/bad\.json: keys\.0: /);
      return true;
    });
    await store.putBytes('json/broken.json', '{"round":');
    await assert.rejects(store.getJson('json/broken.json', schema), /json\/broken\.json: not valid JSON/);
  });

  it('lists every key under a prefix across pages', async () => {
    const names = Array.from({ length: 1005 }, (_, i) => `list/k${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => store.putBytes(name, 'x')));
    }
    const listed: string[] = [];
    for await (const object of store.list('list/')) listed.push(object.key);
    assert.deepEqual(listed.sort(), names);
  });

  it('stores content-addressed objects once, under their hash', async () => {
    const body = Buffer.from('immutable soft labels');
    const first = await store.putContentAddressed('cas/', body, '.bin');
    const second = await store.putContentAddressed('cas/', body, '.bin');
    assert.equal(first.key, second.key);
    assert.equal(first.key, `cas/sha256-${createHash('sha256').update(body).digest('hex')}.bin`);
    assert.deepEqual(await store.getBytes(first.key), body);
  });

  it('publishes a manifest only after its parts, write-once and idempotent on retry', async () => {
    const manifest = { parts: ['pub/part-0', 'pub/part-1'] };
    const parts = [
      { key: 'pub/part-0', body: 'zero' },
      { key: 'pub/part-1', body: 'one' },
    ];
    assert.equal(await store.publish('pub/manifest.json', manifest, parts), 'published');
    for (const part of parts) assert.equal((await store.getBytes(part.key)).toString(), part.body);
    assert.equal(await store.publish('pub/manifest.json', manifest, parts), 'already-published');
    await assert.rejects(store.publish('pub/manifest.json', { parts: ['other'] }), ArtifactConflictError);
  });

  describe('locations: a local directory and an s3:// prefix behave the same', () => {
    const cases: Array<[string, () => Location]> = [
      ['local', () => new LocalDirLocation(mkdtempSync(path.join(os.tmpdir(), 'alc-loc-')))],
      ['s3', () => new S3Location(new ArtifactStore(store.client, store.bucket, `loc-${Date.now()}/`))],
    ];
    for (const [name, open] of cases) {
      it(`${name}: write, read, exists, list in code-point order, missing file`, async () => {
        const location = open();
        await location.write('b/2.png', Buffer.from([2]));
        await location.write('a.txt', 'hello');
        await location.write('b/1.png', Buffer.from([1]));
        assert.equal((await location.read('a.txt')).toString(), 'hello');
        assert.equal(await location.exists('b/1.png'), true);
        assert.equal(await location.exists('b/3.png'), false);
        assert.deepEqual(await location.list(), ['a.txt', 'b/1.png', 'b/2.png']);
        await assert.rejects(location.read('nope.png'), (error: unknown) => error instanceof NotFoundError && error.message.includes(location.describe('nope.png')));
      });
    }
  });
});
