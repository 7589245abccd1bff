import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TokenRecordSchema, TokenStore, canAccessCampaign, tokenKey } from '../../../annotation/tokens.js';
import { InputError, NotFoundError } from '../../../common/errors.js';
import { tokenSpecOf } from '../../../cli/commands/token.js';
import { MemoryObjectStore } from '../../support/annotation-fakes.js';

describe('annotation tokens', () => {
  it('prints a random token once and stores only the hash of its secret', async () => {
    const store = new MemoryObjectStore();
    const tokens = new TokenStore(store);
    const a = await tokens.create({ role: 'annotator', annotator: 'alice', campaigns: ['c1', 'c2', 'c1'] });
    const b = await tokens.create({ role: 'annotator', annotator: 'alice', campaigns: ['c1'] });
    const match = /^alc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(a.token);
    assert.ok(match, a.token);
    assert.notEqual(a.token, b.token);
    assert.equal(match[1], a.record.tokenId);
    const stored = store.objects.get(tokenKey(a.record.tokenId))!.toString('utf8');
    assert.ok(!stored.includes(match[2]), 'the secret is not stored');
    const record = TokenRecordSchema.parse(JSON.parse(stored));
    assert.equal(record.secretSha256, createHash('sha256').update(match[2]).digest('hex'));
    assert.deepEqual(record.campaigns, ['c1', 'c2']);
  });

  it('authenticates the token and nothing like it', async () => {
    const tokens = new TokenStore(new MemoryObjectStore());
    const { token, record } = await tokens.create({ role: 'operator', annotator: 'olga', campaigns: '*' });
    const ok = await tokens.authenticate(token);
    assert.ok('principal' in ok);
    assert.deepEqual(ok.principal, { tokenId: record.tokenId, role: 'operator', annotator: 'olga', campaigns: '*' });
    // The right id with another secret, a made-up id, and text that is no token.
    const otherSecret = `${token.slice(0, 21)}${'A'.repeat(43)}`;
    for (const bad of [otherSecret, `alc_${'0'.repeat(16)}_${'B'.repeat(43)}`, 'hello', `${token}x`]) {
      const result = await tokens.authenticate(bad);
      assert.ok('error' in result && result.error === 'invalid-token', bad);
    }
  });

  it('takes a revocation into account once the cached lookup is older than the cache time', async () => {
    const store = new MemoryObjectStore();
    const clock = { now: 1_000_000 };
    const service = new TokenStore(store, { cacheTtlMs: 5000, now: () => clock.now });
    const cli = new TokenStore(store);
    const { token, record } = await cli.create({ role: 'annotator', annotator: 'bob', campaigns: ['c'] });
    assert.ok('principal' in (await service.authenticate(token)));
    const revoked = await cli.revoke(record.tokenId);
    assert.ok(revoked.revokedAt);
    clock.now += 4999;
    assert.ok('principal' in (await service.authenticate(token)), 'still cached');
    clock.now += 2;
    const result = await service.authenticate(token);
    assert.ok('error' in result && result.error === 'revoked-token', JSON.stringify(result));
    assert.equal((await cli.revoke(record.tokenId)).revokedAt, revoked.revokedAt, 'revoking twice changes nothing');
    await assert.rejects(cli.revoke('0123456789abcdef'), NotFoundError);
    await assert.rejects(cli.revoke('../etc'), InputError);
    assert.deepEqual((await cli.list()).map((r) => [r.tokenId, r.revokedAt !== undefined]), [[record.tokenId, true]]);
  });

  it('scopes annotator tokens to their campaigns', () => {
    const principal = { tokenId: 'x', role: 'annotator' as const, annotator: 'a', campaigns: ['c1'] };
    assert.equal(canAccessCampaign(principal, 'c1'), true);
    assert.equal(canAccessCampaign(principal, 'c2'), false);
    assert.equal(canAccessCampaign({ ...principal, role: 'operator', campaigns: '*' }, 'c2'), true);
  });

  it('refuses token specs that make no sense (alc token create)', () => {
    assert.deepEqual(tokenSpecOf({ annotator: 'alice', campaign: ['c1'] }), { role: 'annotator', annotator: 'alice', campaigns: ['c1'], note: undefined });
    assert.deepEqual(tokenSpecOf({ operator: true, all: true, campaign: [] }), { role: 'operator', annotator: 'operator', campaigns: '*', note: undefined });
    for (const bad of [
      { campaign: ['c1'] },
      { annotator: 'alice', campaign: [] },
      { annotator: 'alice', all: true, campaign: [] },
      { operator: true, campaign: [] },
      { operator: true, all: true, campaign: ['c1'] },
      { annotator: 'al/ice', campaign: ['c1'] },
      { annotator: 'alice', campaign: ['bad id'] },
    ]) {
      assert.throws(() => tokenSpecOf(bad), InputError, JSON.stringify(bad));
    }
  });
});
