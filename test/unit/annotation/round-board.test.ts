import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RoundBoard, type Lease } from '../../../annotation/round-board.js';
import { SINGLE_ANSWER } from '../../../annotation/consensus.js';
import { fakeQueries } from '../../support/annotation-fakes.js';

function board(options: { queries?: number; ttl?: number; annotators?: number; quorum?: number } = {}) {
  const clock = { now: 1_000 };
  const expired: Lease[] = [];
  const b = new RoundBoard('c', 1, fakeQueries('c', 1, options.queries ?? 6), {
    leaseTtlMs: options.ttl ?? 1000,
    redundancy: options.annotators ? { annotators: options.annotators, quorum: options.quorum ?? options.annotators } : SINGLE_ANSWER,
    now: () => clock.now,
    onExpired: (lease) => expired.push(lease),
  });
  return { board: b, clock, expired };
}

const ids = (leases: readonly Lease[]) => leases.map((l) => l.queryId);

describe('round board: leases', () => {
  it('leases in rank order and never the same query to two annotators', () => {
    const { board: b } = board();
    assert.deepEqual(ids(b.lease('alice', 2).leases), ['img0/1', 'img1/2']);
    assert.deepEqual(ids(b.lease('bob', 3).leases), ['img2/3', 'img3/4', 'img4/5']);
    assert.deepEqual(ids(b.lease('carol', 5).leases), ['img5/6']);
    assert.deepEqual(ids(b.lease('dave', 5).leases), [], 'nothing left');
    assert.deepEqual(b.counts(), { queries: 6, answered: 0, leased: 6, open: 0 });
  });

  it('gives an annotator its own leases back first, renewed, then new ones up to the size', () => {
    const { board: b, clock } = board({ ttl: 1000 });
    const first = b.lease('alice', 2);
    clock.now += 900;
    const again = b.lease('alice', 3);
    assert.deepEqual(ids(again.leases), ['img0/1', 'img1/2', 'img2/3']);
    assert.deepEqual(ids(again.granted), ['img2/3']);
    assert.ok(again.leases.every((l) => l.expiresAt === clock.now + 1000), 'renewed');
    assert.equal(first.leases[0].grantedAt, 1000, 'the grant time stays (answer latency is from the first lease)');
  });

  it('lets a lease expire, then offers the query again', () => {
    const { board: b, clock, expired } = board({ queries: 2, ttl: 1000 });
    b.lease('alice', 1);
    clock.now += 500;
    assert.deepEqual(ids(b.lease('bob', 5).leases), ['img1/2']);
    clock.now += 499;
    assert.deepEqual(ids(b.lease('carol', 5).leases), []);
    clock.now += 1;
    assert.deepEqual(ids(b.lease('carol', 5).leases), ['img0/1']);
    assert.deepEqual(expired.map((l) => [l.annotator, l.queryId]), [['alice', 'img0/1']]);
    assert.equal(b.holdsLease('alice', 'img0/1'), false);
  });

  it('releases only the caller’s leases', () => {
    const { board: b } = board({ queries: 3 });
    b.lease('alice', 2);
    assert.deepEqual(b.release('bob', ['img0/1']), { released: [], notHeld: ['img0/1'] });
    assert.deepEqual(b.release('alice', ['img0/1', 'img0/1', 'nope/1']), { released: ['img0/1'], notHeld: ['nope/1'] });
    assert.deepEqual(ids(b.lease('bob', 5).leases), ['img0/1', 'img2/3']);
  });

  it('never offers an answered query, and counts answers per annotator', () => {
    const { board: b } = board({ queries: 3 });
    b.lease('alice', 3);
    b.recordAnswer({ queryId: 'img1/2', answer: 'correct', annotator: 'alice' });
    b.recordAnswer({ queryId: 'img1/2', answer: 'skip', annotator: 'bob' });
    b.recordAnswer({ queryId: 'other/9', answer: 'skip', annotator: 'bob' });
    assert.deepEqual(b.answerOf('img1/2'), { queryId: 'img1/2', answer: 'correct', annotator: 'alice' }, 'the first answer stays');
    assert.deepEqual(b.counts(), { queries: 3, answered: 1, leased: 2, open: 0 });
    b.release('alice', ['img0/1', 'img2/3']);
    assert.deepEqual(ids(b.lease('bob', 5).leases), ['img0/1', 'img2/3']);
    assert.equal(b.answeredBy('alice'), 1);
    assert.deepEqual(b.annotatorCounts(), [
      { annotator: 'alice', leased: 0, answered: 1 },
      { annotator: 'bob', leased: 2, answered: 0 },
    ]);
  });

  it('gives each query to k different annotators with redundancy, and one more while they disagree', () => {
    const { board: b } = board({ queries: 2, annotators: 2, quorum: 2 });
    assert.deepEqual(ids(b.lease('alice', 1).leases), ['img0/1']);
    assert.deepEqual(ids(b.lease('bob', 1).leases), ['img0/1'], 'the second of k annotators');
    assert.deepEqual(ids(b.lease('carol', 1).leases), ['img1/2'], 'img0/1 has its k leases');
    const vote = (annotator: string, answer: 'correct' | 'skip') => {
      b.votes.add({ queryId: 'img0/1', annotator, answer, at: '2026-01-01T00:00:00.000Z' });
      b.takeLease(annotator, 'img0/1');
    };
    vote('alice', 'correct');
    assert.deepEqual(ids(b.lease('alice', 5).leases), ['img1/2'], 'never twice to the same annotator');
    vote('bob', 'skip');
    assert.equal(b.votes.decision('img0/1', 2), undefined);
    assert.deepEqual(ids(b.lease('dave', 5).leases), ['img0/1'], 'a tie: one more annotator (img1/2 has its two)');
    assert.deepEqual(ids(b.lease('erin', 5).leases), [], 'but one at a time');
  });

  it('hands out disjoint queries to many concurrent lease calls', async () => {
    const { board: b } = board({ queries: 40, ttl: 60_000 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => Promise.resolve().then(() => ({ annotator: `a${i}`, leases: b.lease(`a${i}`, 3).granted }))));
    const owner = new Map<string, string>();
    for (const { annotator, leases } of results) {
      for (const lease of leases) {
        const other = owner.get(lease.queryId);
        assert.ok(other === undefined || other === annotator, `${lease.queryId} leased to ${other} and ${annotator}`);
        owner.set(lease.queryId, annotator);
      }
    }
    assert.equal(owner.size, 40);
  });
});
