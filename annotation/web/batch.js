/**
 * A leased batch of queries and the answers given to it so far. Answers stay here until every
 * query of the batch has one (then they go to the service in one request), so the last one can
 * be taken back with undo; the query shown is always the first one without an answer.
 */

export class Batch {
  /**
   * @param {{round: number, expiresAt: string, queries: object[]}} lease the service's lease
   */
  constructor(lease) {
    this.round = lease.round;
    this.expiresAt = Date.parse(lease.expiresAt);
    this.queries = lease.queries;
    /** @type {{queryId: string, answer: 'correct'|'relabel'|'skip', class?: number}[]} */
    this.answers = [];
  }

  get size() {
    return this.queries.length;
  }

  get position() {
    return this.answers.length;
  }

  get complete() {
    return this.answers.length === this.queries.length;
  }

  /** The query to answer now; undefined once the batch is complete. */
  get current() {
    return this.queries[this.answers.length];
  }

  /** The query after the current one (its image is loaded ahead). */
  get next() {
    return this.queries[this.answers.length + 1];
  }

  /**
   * Answers the current query. A relabel to the class it already has is a confirmation.
   * @param {'correct'|'relabel'|'skip'} answer
   * @param {number} [classId]
   */
  answer(answer, classId) {
    const query = this.current;
    if (query === undefined) throw new Error('the batch is already complete');
    const record = answer === 'relabel' && classId !== query.label ? { queryId: query.queryId, answer, class: classId } : { queryId: query.queryId, answer: answer === 'relabel' ? 'correct' : answer };
    this.answers.push(record);
    return record;
  }

  /** Takes back the last answer; undefined when there is none in this batch. */
  undo() {
    return this.answers.pop();
  }

  /** Queries leased but not answered: released when the page leaves the batch. */
  unanswered() {
    return this.queries.slice(this.answers.length).map((q) => q.queryId);
  }
}
