import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consensusAnnotator, VoteTally, type AnswerChoice } from '../../../annotation/consensus.js';

const AT = '2026-01-01T00:00:00.000Z';

function tally(votes: [string, string, AnswerChoice][]): VoteTally {
  const t = new VoteTally();
  for (const [queryId, annotator, choice] of votes) t.add({ queryId, annotator, ...choice, at: AT });
  return t;
}

describe('consensus of redundant answers', () => {
  it('decides when a quorum agrees, relabels only with the same class', () => {
    const t = tally([
      ['q/1', 'a', { answer: 'relabel', class: 3 }],
      ['q/1', 'b', { answer: 'relabel', class: 4 }],
      ['q/1', 'c', { answer: 'relabel', class: 3 }],
      ['q/2', 'a', { answer: 'correct' }],
    ]);
    assert.deepEqual(t.decision('q/1', 2), { answer: 'relabel', class: 3, voters: ['a', 'c'] });
    assert.equal(t.decision('q/1', 3), undefined);
    assert.equal(t.decision('q/2', 2), undefined);
    assert.deepEqual(t.decision('q/2', 1), { answer: 'correct', voters: ['a'] });
    assert.equal(consensusAnnotator(['a', 'c']), 'consensus:a,c');
  });

  it('keeps one vote per annotator and query', () => {
    const t = tally([
      ['q/1', 'a', { answer: 'correct' }],
      ['q/1', 'a', { answer: 'skip' }],
    ]);
    assert.equal(t.count('q/1'), 1);
    assert.equal(t.voteOf('q/1', 'a')?.answer, 'correct');
    assert.equal(t.votesBy('a'), 1);
  });

  it('breaks a tie between two quorums by answer, not by arrival order', () => {
    const forward = tally([
      ['q/1', 'a', { answer: 'skip' }],
      ['q/1', 'b', { answer: 'correct' }],
    ]);
    const backward = tally([
      ['q/1', 'b', { answer: 'correct' }],
      ['q/1', 'a', { answer: 'skip' }],
    ]);
    assert.deepEqual(forward.decision('q/1', 1), backward.decision('q/1', 1));
    assert.equal(forward.decision('q/1', 1)?.answer, 'correct');
  });

  it('reports disagreements and each annotator’s agreement with the round’s answers', () => {
    const t = tally([
      ['q/1', 'a', { answer: 'correct' }],
      ['q/1', 'b', { answer: 'correct' }],
      ['q/2', 'a', { answer: 'skip' }],
      ['q/2', 'b', { answer: 'correct' }],
      ['q/2', 'c', { answer: 'correct' }],
      ['q/3', 'a', { answer: 'relabel', class: 1 }],
    ]);
    const decided: Record<string, AnswerChoice> = { 'q/1': { answer: 'correct' }, 'q/2': { answer: 'correct' } };
    assert.deepEqual(
      t.agreement((id) => decided[id]),
      [
        { annotator: 'a', votes: 3, decided: 2, agreed: 1, agreement: 0.5 },
        { annotator: 'b', votes: 2, decided: 2, agreed: 2, agreement: 1 },
        { annotator: 'c', votes: 1, decided: 1, agreed: 1, agreement: 1 },
      ],
    );
    const disagreements = t.disagreements();
    assert.deepEqual(disagreements.map((d) => [d.queryId, d.votes.map((v) => v.annotator)]), [['q/2', ['a', 'b', 'c']]]);
  });
});
