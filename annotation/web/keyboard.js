/**
 * The page's keyboard shortcuts. Y, S and U answer, skip and undo; digits and other letters start
 * the class type-ahead; ? opens the help. Keys typed into a text field stay there, and a held key
 * does not answer several queries.
 */

const TEXT_FIELDS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);

/**
 * @param {{
 *   answering: () => boolean,
 *   correct: () => void, skip: () => void, undo: () => void,
 *   type: (text: string) => void, focusClasses: () => void,
 *   help: HTMLDialogElement,
 * }} actions
 */
export function bindKeys(actions) {
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    const { help } = actions;
    if (help.open) {
      if (event.key === '?') {
        event.preventDefault();
        help.close();
      }
      return;
    }
    const target = event.target;
    if (target instanceof HTMLElement && (TEXT_FIELDS.has(target.tagName) || target.isContentEditable)) return;
    if (event.key === '?') {
      event.preventDefault();
      help.showModal();
      return;
    }
    if (!actions.answering()) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const command = new Map([['y', actions.correct], ['s', actions.skip], ['u', actions.undo]]).get(key);
    if (command !== undefined) {
      event.preventDefault();
      if (!event.repeat) command();
    } else if (key === '/') {
      event.preventDefault();
      actions.focusClasses();
    } else if (/^[\p{L}\p{N}]$/u.test(key)) {
      // The key goes into the type-ahead box itself, so it is not typed twice.
      event.preventDefault();
      actions.type(event.key);
    }
  });
}
