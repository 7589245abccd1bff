/**
 * The annotator's page: sign in with a token, pick a campaign if the token has several, then
 * answer its correction queries (annotator.js). Every failure is explained on the page; a 401
 * anywhere returns to the sign-in form. Uses only the annotation API (annotation/README.md).
 */
import { Annotator } from './annotator.js';
import { Api, ApiError } from './api.js';
import { ClassPicker } from './class-picker.js';
import { bindKeys } from './keyboard.js';
import { session } from './session.js';
import { announce, byId, clearAlert, showAlert, showView } from './views.js';

const params = new URLSearchParams(location.search);
function intParam(name, min, max, fallback) {
  const value = Number(params.get(name));
  return params.has(name) && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}
/** Queries per lease (`?batch=N`, 1..50 as the API takes). */
const BATCH_SIZE = intParam('batch', 1, 50, 10);
/** Seconds between checks while nothing is open (`?poll=N`). */
const POLL_SECONDS = intParam('poll', 1, 3600, 15);

/** @type {Api | undefined} */
let api;
/** The campaign being answered. @type {Annotator | undefined} */
let annotator;

const picker = new ClassPicker((classId) => void guard(() => annotator?.answer('relabel', classId)));
const help = /** @type {HTMLDialogElement} */ (byId('help'));
byId('poll-seconds').textContent = String(POLL_SECONDS);

// ---------------------------------------------------------------------------------------------
// Errors: a 401 anywhere means the token is gone (revoked, unknown): back to the sign-in form.

async function guard(run) {
  try {
    await run();
  } catch (error) {
    handleError(error);
  }
}

function handleError(error) {
  if (error instanceof ApiError && error.status === 401) {
    leaveCampaign();
    session.signOut();
    api = undefined;
    showSignIn('Your token is no longer accepted (unknown or revoked): sign in again.');
    return;
  }
  if (error instanceof ApiError && (error.status === 403 || error.status === 404) && annotator !== undefined) {
    const id = annotator.campaignId;
    leaveCampaign();
    session.forgetCampaign();
    showAlert(`Campaign ${id} is not available to you: ${error.message}`);
    void guard(chooseCampaign);
    return;
  }
  showAlert(error instanceof Error ? error.message : String(error), { onRetry: () => void guard(resume) });
}

/** Carries on from wherever the page was when something failed. */
function resume() {
  if (api === undefined) return showSignIn();
  if (annotator === undefined) return chooseCampaign();
  return annotator.resume();
}

/** Stops answering the campaign on screen (its batch is not sent: see settle()). */
function leaveCampaign() {
  annotator?.stop();
  annotator = undefined;
  byId('progress').hidden = true;
  byId('campaign-title').textContent = '';
}

// ---------------------------------------------------------------------------------------------
// Signing in and out

function showSignIn(error) {
  const message = byId('login-error');
  message.textContent = error ?? '';
  message.hidden = !error;
  showView('login-view', 'token');
}

byId('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn();
});

async function signIn() {
  const input = /** @type {HTMLInputElement} */ (byId('token'));
  const token = input.value.trim();
  if (token === '') return showSignIn('Enter your token.');
  const candidate = new Api(token);
  let me;
  try {
    me = await candidate.me();
  } catch (error) {
    return showSignIn(error instanceof ApiError && error.status === 401 ? 'This token is not accepted (unknown or revoked).' : error.message);
  }
  input.value = '';
  session.signIn(token);
  api = candidate;
  clearAlert();
  await guard(() => enter(me));
}

byId('logout').addEventListener('click', () => void signOut());

async function signOut() {
  clearAlert();
  await annotator?.settle();
  leaveCampaign();
  session.signOut();
  api = undefined;
  showSignIn();
  announce('Signed out.');
}

// ---------------------------------------------------------------------------------------------
// Campaigns

async function enter(me) {
  byId('who').textContent = me.role === 'operator' ? `${me.annotator} (operator)` : me.annotator;
  await chooseCampaign();
}

/** The campaign ids this token may use; an operator scoped to every campaign lists them. */
async function campaignIds() {
  const me = await api.me();
  if (Array.isArray(me.campaigns)) return me.campaigns;
  const listed = await api.operatorCampaigns();
  const rows = Array.isArray(listed) ? listed : Array.isArray(listed?.campaigns) ? listed.campaigns : [];
  return rows.map((row) => (typeof row === 'string' ? row : row?.campaignId)).filter((id) => typeof id === 'string');
}

async function chooseCampaign() {
  const ids = await campaignIds();
  byId('switch-campaign').hidden = ids.length < 2;
  const remembered = [params.get('campaign'), session.campaign()].find((id) => id !== null && ids.includes(id));
  if (remembered !== undefined) return openCampaign(remembered);
  if (ids.length === 1) return openCampaign(ids[0]);
  showPicker(ids);
}

function showPicker(ids) {
  const list = byId('campaign-list');
  list.replaceChildren(
    ...ids.map((id) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'campaign-button';
      const name = document.createElement('strong');
      name.textContent = id;
      const detail = document.createElement('span');
      detail.className = 'muted';
      button.append(name, detail);
      button.addEventListener('click', () => void guard(() => openCampaign(id)));
      // Details arrive after the list is usable; a campaign that fails to load still shows its id.
      api.campaign(id).then(
        (c) => {
          name.textContent = c.name;
          const alias = c.name === id ? '' : `${id} · `;
          detail.textContent = ` ${alias}round ${c.round} · ${c.status} · ${c.progress.answered}/${c.progress.queries} answered, ${c.progress.open} open`;
        },
        (error) => (detail.textContent = ` ${error.message}`),
      );
      const item = document.createElement('li');
      item.append(button);
      return item;
    }),
  );
  if (ids.length === 0) {
    const item = document.createElement('li');
    item.textContent = 'This token has no campaigns.';
    list.append(item);
  }
  showView('picker-view', ids.length > 0 ? undefined : 'main');
  list.querySelector('button')?.focus();
}

byId('switch-campaign').addEventListener('click', () =>
  void guard(async () => {
    await annotator?.settle();
    leaveCampaign();
    session.forgetCampaign();
    showPicker(await campaignIds());
  }),
);

async function openCampaign(campaignId) {
  leaveCampaign();
  let campaign;
  try {
    campaign = await api.campaign(campaignId);
  } catch (error) {
    if (!(error instanceof ApiError && (error.status === 403 || error.status === 404))) throw error;
    session.forgetCampaign();
    showAlert(`Campaign ${campaignId} is not available to you: ${error.message}`);
    return showPicker(await campaignIds());
  }
  session.pickCampaign(campaignId);
  annotator = new Annotator(api, campaign, { picker, batchSize: BATCH_SIZE, pollSeconds: POLL_SECONDS, guard });
  await annotator.nextBatch();
}

byId('check-now').addEventListener('click', () => void guard(() => annotator?.nextBatch()));

// ---------------------------------------------------------------------------------------------
// Controls

byId('answer-correct').addEventListener('click', () => void guard(() => annotator?.answer('correct')));
byId('answer-skip').addEventListener('click', () => void guard(() => annotator?.answer('skip')));
byId('answer-undo').addEventListener('click', () => void guard(() => annotator?.undo()));
byId('help-button').addEventListener('click', () => help.showModal());

bindKeys({
  answering: () => annotator?.active === true,
  correct: () => void guard(() => annotator?.answer('correct')),
  skip: () => void guard(() => annotator?.answer('skip')),
  undo: () => void guard(() => annotator?.undo()),
  type: (text) => picker.type(text),
  focusClasses: () => picker.focus(),
  help,
});

// Closing or reloading the tab: nothing given is lost, nothing leased is held.
addEventListener('pagehide', () => annotator?.flushOnExit());
// A page restored from the back-forward cache has a stale batch (flushed above): start afresh.
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});

if (session.token() === null) {
  showSignIn();
} else {
  api = new Api(session.token());
  void guard(async () => enter(await api.me()));
}
