/**
 * The page's frame: which view is on screen, the account bar, and the two message regions (a
 * polite status line for routine news, an alert for what needs the annotator's attention).
 */

/** @param {string} id */
export const byId = (id) => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element;
};

const VIEWS = ['login-view', 'picker-view', 'idle-view', 'annotate-view'];

/** Shows one view; `focus` (an element id) gets the focus, else the main region. */
export function showView(view, focus) {
  for (const id of VIEWS) byId(id).hidden = id !== view;
  const signedIn = view !== 'login-view';
  byId('account').hidden = !signedIn;
  if (!signedIn) {
    byId('progress').hidden = true;
    byId('campaign-title').textContent = '';
  }
  (focus ? byId(focus) : byId('main')).focus({ preventScroll: true });
}

export function announce(text) {
  byId('status').textContent = text;
}

let retry;

/**
 * Shows a message that stays until dismissed or replaced. `lines` become a list under `text`;
 * `onRetry` adds a "Try again" button.
 * @param {string} text
 * @param {{lines?: string[], onRetry?: () => void}} [options]
 */
export function showAlert(text, { lines = [], onRetry } = {}) {
  const box = byId('alert-text');
  box.replaceChildren(document.createTextNode(text));
  if (lines.length > 0) {
    const list = document.createElement('ul');
    for (const line of lines) {
      const item = document.createElement('li');
      item.textContent = line;
      list.append(item);
    }
    box.append(list);
  }
  retry = onRetry;
  byId('alert-retry').hidden = onRetry === undefined;
  byId('alert').hidden = false;
}

export function clearAlert() {
  retry = undefined;
  byId('alert').hidden = true;
  byId('alert-text').replaceChildren();
}

byId('alert-dismiss').addEventListener('click', clearAlert);
byId('alert-retry').addEventListener('click', () => {
  const again = retry;
  clearAlert();
  again?.();
});
