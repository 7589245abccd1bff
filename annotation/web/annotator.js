/**
 * Answering one campaign's queries: lease a batch, show its queries one at a time (the next
 * picture loaded ahead), keep the answers until the batch is complete (undo works), send them in
 * one request, explain what was not taken, lease the next batch. With nothing open it says why
 * and checks again; a lease about to run out sends what was answered.
 */
import { ApiError } from './api.js';
import { AssetCache } from './assets.js';
import { Batch } from './batch.js';
import { announce, byId, clearAlert, showAlert, showView } from './views.js';
import * as workspace from './workspace.js';

/** A batch still being answered is sent this long before its lease runs out (at most 10% of the lease). */
const EXPIRY_MARGIN_MS = 10_000;

/** For requests whose failure changes nothing (a release: leases run out on their own). */
function ignoreApiError(error) {
  if (!(error instanceof ApiError)) throw error;
}

export class Annotator {
  /**
   * @param {import('./api.js').Api} api
   * @param {object} campaign the campaign as `GET /api/campaigns/:id` describes it
   * @param {{
   *   picker: import('./class-picker.js').ClassPicker,
   *   batchSize: number, pollSeconds: number,
   *   guard: (run: () => Promise<unknown>) => Promise<void>,
   * }} options `guard` runs timer-driven work and shows its errors
   */
  constructor(api, campaign, { picker, batchSize, pollSeconds, guard }) {
    this.api = api;
    this.campaign = campaign;
    this.picker = picker;
    this.batchSize = batchSize;
    this.pollSeconds = pollSeconds;
    this.guard = guard;
    /** @type {Batch | undefined} */
    this.batch = undefined;
    /** @type {AssetCache | undefined} */
    this.assets = undefined;
    /** The query whose picture is on screen: the only one that may be answered. */
    this.shownQueryId = undefined;
    /** A request that settles the batch (sending it) is in flight. */
    this.busy = false;
    /** What happened to the last batch, said together with the next query (one status message). */
    this.news = '';
    this.timer = undefined;
    picker.setClasses(campaign.classes);
    workspace.showProgress(campaign, campaign.progress);
  }

  get campaignId() {
    return this.campaign.campaignId;
  }

  /** Whether a batch is on screen (keys answer only then). */
  get active() {
    return this.batch !== undefined && !byId('annotate-view').hidden;
  }

  async nextBatch() {
    this.stop();
    const lease = await this.api.lease(this.campaignId, this.batchSize);
    await this.refresh();
    if (lease.queries.length === 0) return this.showIdle();
    const batch = (this.batch = new Batch(lease));
    this.assets = new AssetCache(this.api);
    const lead = Math.max(0, batch.expiresAt - Date.now());
    this.timer = setTimeout(() => void this.guard(() => this.leaseRunningOut()), Math.max(0, lead - Math.min(EXPIRY_MARGIN_MS, lead / 10)));
    workspace.showLastAnswer('');
    showView('annotate-view');
    await this.showCurrent();
  }

  /** Carries on after an error: resend a complete batch, reshow the query, or lease again. */
  resume() {
    if (this.batch?.complete) return this.send();
    if (this.batch !== undefined) return this.showCurrent();
    return this.nextBatch();
  }

  async refresh() {
    this.campaign = await this.api.campaign(this.campaignId);
    workspace.showProgress(this.campaign, this.campaign.progress);
  }

  /** The batch was not finished in time: send what was answered; the rest goes back to the queue. */
  async leaseRunningOut() {
    if (this.batch === undefined || this.busy) return;
    const given = this.batch.answers.length;
    if (given > 0) return this.send(`The lease on this batch was running out: your ${given} answer${given > 1 ? 's were' : ' was'} sent, the unanswered queries went back to the queue.`);
    showAlert('The lease on this batch ran out before it was answered: its queries went back to the queue, and a new batch was fetched.');
    await this.nextBatch();
  }

  showIdle() {
    const { round, status, step, progress } = this.campaign;
    let reason;
    if (status === 'completed' || status === 'cancelled') reason = `The campaign is ${status}.`;
    else if (status === 'paused') reason = 'An operator paused the campaign.';
    else if (status === 'waiting-for-operator' || status === 'round-failed') reason = `Round ${round} waits for an operator: one of its steps failed.`;
    else if (progress.queries > 0 && progress.answered >= progress.queries) reason = `Every query of round ${round} is answered: the round goes on with the answers.`;
    else if (status === 'awaiting-answers' && progress.leased > 0) reason = `The open queries of round ${round} are being answered by others right now; any they leave come back here.`;
    else reason = `Round ${round} is at step “${step ?? 'unknown'}”: its queries are not open for answers yet.`;
    byId('idle-reason').textContent = reason;
    showView('idle-view');
    this.say(`Nothing to answer now. ${reason}`);
    this.timer = setTimeout(() => void this.guard(() => this.nextBatch()), this.pollSeconds * 1000);
  }

  async showCurrent() {
    const { batch, assets } = this;
    const query = batch.current;
    workspace.showBatch(batch);
    this.picker.setCurrent(query.label);
    const ready = assets.ready(query);
    if (ready !== undefined) {
      this.display(query, ready);
    } else {
      this.shownQueryId = undefined;
      workspace.showLoading();
      const url = await assets.load(query);
      // The page may have moved on while the picture loaded.
      if (this.batch?.current !== query) return;
      this.display(query, url);
    }
    assets.preload(batch.next);
  }

  display(query, url) {
    workspace.showQuery(query, url, this.campaign.classes);
    this.shownQueryId = query.queryId;
    this.say(`Query ${this.batch.position + 1} of ${this.batch.size}: is this ${query.labelName}?`);
  }

  /** Announces `text` after what happened to the last batch, if that was not said yet. */
  say(text) {
    announce(`${this.news}${text}`);
    this.news = '';
  }

  describe(record) {
    if (record.answer !== 'relabel') return record.answer;
    const name = this.campaign.classes.find((c) => c.id === record.class)?.name ?? `class ${record.class}`;
    return `relabel to ${name} (${record.class})`;
  }

  /**
   * @param {'correct'|'relabel'|'skip'} kind
   * @param {number} [classId]
   */
  async answer(kind, classId) {
    const { batch } = this;
    if (batch === undefined || this.busy || this.shownQueryId === undefined || batch.current?.queryId !== this.shownQueryId) {
      if (this.busy) announce('Wait a moment: the batch is being sent.');
      else if (batch !== undefined) announce('Wait for the picture: a query is answered once it is shown.');
      return;
    }
    const record = batch.answer(kind, classId);
    workspace.showLastAnswer(`Last answer: ${record.queryId} → ${this.describe(record)}${batch.complete ? '' : ' (U to undo)'}`);
    announce(`${this.describe(record)}.`);
    if (batch.complete) await this.send();
    else await this.showCurrent();
  }

  async undo() {
    if (this.batch === undefined || this.busy) return;
    const record = this.batch.undo();
    if (record === undefined) {
      announce('Nothing to undo in this batch: answers already sent are final.');
      return;
    }
    workspace.showLastAnswer(`Undone: ${record.queryId} → ${this.describe(record)}`);
    announce(`Undone: ${this.describe(record)}. Answer this query again.`);
    await this.showCurrent();
  }

  setBusy(value) {
    this.busy = value;
    byId('annotate-view').classList.toggle('is-busy', value);
  }

  /**
   * Sends the batch's answers in one request, explains what was not taken, and leases the next.
   * `why`: said first when the page sends a batch on its own (its lease running out).
   */
  async send(why) {
    const sent = this.batch;
    this.setBusy(true);
    announce(`Sending ${sent.answers.length} answers…`);
    let result;
    try {
      result = await this.api.answer(this.campaignId, sent.answers);
    } catch (error) {
      this.setBusy(false);
      if (error instanceof ApiError && (error.status === 0 || error.status >= 500)) {
        // Nothing was lost: the answers stay here until they can be sent.
        showAlert(`Your ${sent.answers.length} answers could not be sent: ${error.message}. They are kept in this page.`, { onRetry: () => void this.guard(() => this.send(why)) });
        return;
      }
      if (error instanceof ApiError && error.status !== 401 && error.status !== 403) {
        showAlert(`The service did not take this batch: ${error.message}`);
        return this.nextBatch();
      }
      throw error;
    }
    // A batch sent before it was complete gives its other queries back rather than wait out the lease.
    const unanswered = sent.unanswered();
    if (unanswered.length > 0) await this.api.release(this.campaignId, unanswered).catch(ignoreApiError);
    this.setBusy(false);
    this.report(result.outcomes, why);
    workspace.showProgress(this.campaign, result.progress);
    await this.nextBatch();
  }

  report(outcomes, why) {
    const count = (kind) => outcomes.filter((o) => o.outcome === kind).length;
    const rejected = outcomes.filter((o) => o.outcome === 'rejected');
    const parts = [`${count('accepted')} accepted`];
    if (count('pending-quorum') > 0) parts.push(`${count('pending-quorum')} waiting for other annotators to agree`);
    if (count('duplicate') > 0) parts.push(`${count('duplicate')} already known`);
    if (rejected.length > 0) {
      parts.push(`${rejected.length} not taken`);
      const lead = why === undefined ? '' : `${why} `;
      showAlert(`${lead}${rejected.length} of ${outcomes.length} answers were not taken:`, { lines: rejected.map((o) => `${o.queryId}: ${o.reason ?? 'no reason given'}`) });
    } else if (why !== undefined) {
      showAlert(why);
    } else {
      clearAlert();
    }
    this.news = `Batch sent: ${parts.join(', ')}. `;
    announce(this.news);
  }

  /** Leaving the campaign (sign out, another campaign): send the answers given, release the rest. */
  async settle() {
    const { batch } = this;
    const busy = this.busy;
    this.stop();
    if (batch === undefined || busy) return;
    if (batch.answers.length > 0) {
      try {
        this.report((await this.api.answer(this.campaignId, batch.answers)).outcomes);
      } catch (error) {
        ignoreApiError(error);
        showAlert(`Your last ${batch.answers.length} answers could not be sent: ${error.message}`);
      }
    }
    const unanswered = batch.unanswered();
    if (unanswered.length > 0) await this.api.release(this.campaignId, unanswered).catch(ignoreApiError);
  }

  /** The tab is going away: the same as settle(), in requests that outlive the page. */
  flushOnExit() {
    if (this.batch !== undefined && !this.busy) this.api.flushOnExit(this.campaignId, this.batch.answers, this.batch.unanswered());
    this.stop();
  }

  /** Forgets the batch and stops the timers (nothing is sent). */
  stop() {
    clearTimeout(this.timer);
    this.batch = undefined;
    this.shownQueryId = undefined;
    this.assets?.clear();
    this.assets = undefined;
  }
}
