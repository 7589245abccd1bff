/**
 * The class list and its type-ahead box: click a class, or type its number or the start of its
 * name and press Enter. Every class shows its number, colour and name, so colour is never the
 * only cue; the query's current label is marked as such.
 */
import { matchClasses } from './class-match.js';
import { byId } from './views.js';

const HEX_COLOR = /^#[0-9a-f]{6}$/i;
/** Beyond this many classes the list takes two columns. */
const MANY_CLASSES = 12;

/** The swatch colour, or neutral grey for a malformed one (it is data from the service). */
export function swatchColor(color) {
  return HEX_COLOR.test(color) ? color : '#808080';
}

export class ClassPicker {
  /** @param {(classId: number) => void} onPick */
  constructor(onPick) {
    this.onPick = onPick;
    this.input = /** @type {HTMLInputElement} */ (byId('class-filter'));
    this.list = byId('class-list');
    this.hint = byId('class-hint');
    /** @type {{id: number, name: string, color: string}[]} */
    this.classes = [];
    /** @type {Map<number, HTMLButtonElement>} */
    this.buttons = new Map();
    this.matches = [];
    this.chosen = 0;

    this.list.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('button[data-class]') : null;
      if (button) this.#pick(Number(button.dataset.class));
    });
    this.input.addEventListener('input', () => this.#update());
    this.input.addEventListener('keydown', (event) => this.#onKey(event));
  }

  setClasses(classes) {
    this.classes = classes;
    this.buttons.clear();
    const items = classes.map((c) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'class-button';
      button.dataset.class = String(c.id);
      // Only a class one key answers has a shortcut (the attribute cannot say "2, 5, 5").
      if (String(c.id).length === 1 && matchClasses(classes, String(c.id)).decisive === c) button.setAttribute('aria-keyshortcuts', String(c.id));
      const number = document.createElement('span');
      number.className = 'class-number';
      number.textContent = String(c.id);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.setProperty('--swatch', swatchColor(c.color));
      const name = document.createElement('span');
      name.className = 'class-name';
      name.textContent = c.name;
      const current = document.createElement('span');
      current.className = 'current-tag';
      current.textContent = 'current';
      button.append(number, swatch, name, current);
      this.buttons.set(c.id, button);
      const item = document.createElement('li');
      item.append(button);
      return item;
    });
    this.list.replaceChildren(...items);
    this.list.classList.toggle('many', classes.length > MANY_CLASSES);
    this.clear();
  }

  /** Marks the query's current label in the list. */
  setCurrent(classId) {
    for (const [id, button] of this.buttons) {
      if (id === classId) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  /** Starts typing from a key pressed elsewhere on the page. */
  type(text) {
    this.input.focus();
    this.input.value += text;
    this.#update();
  }

  focus() {
    this.input.focus();
  }

  clear() {
    this.input.value = '';
    this.#update();
  }

  #update() {
    const typed = this.input.value;
    const { matches, decisive } = matchClasses(this.classes, typed);
    this.matches = matches;
    this.chosen = 0;
    if (decisive !== undefined) {
      this.#pick(decisive.id);
      return;
    }
    this.#highlight();
    if (typed.trim() === '') this.hint.textContent = '';
    else if (matches.length === 0) this.hint.textContent = `No class matches “${typed.trim()}”.`;
  }

  #highlight() {
    const chosen = this.matches[this.chosen];
    for (const [id, button] of this.buttons) {
      button.classList.toggle('is-match', this.matches.some((c) => c.id === id));
      button.classList.toggle('is-chosen', chosen?.id === id);
    }
    if (chosen !== undefined) {
      const others = this.matches.length - 1;
      this.hint.textContent = `Enter: relabel to ${chosen.name} (${chosen.id})${others > 0 ? `; ${others} more match${others > 1 ? 'es' : ''}, ↑ ↓ to choose` : ''}.`;
      this.buttons.get(chosen.id)?.scrollIntoView({ block: 'nearest' });
    }
  }

  #onKey(event) {
    if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = this.matches[this.chosen];
      if (chosen !== undefined) this.#pick(chosen.id);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.clear();
      this.input.blur();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && this.matches.length > 0) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.chosen = (this.chosen + step + this.matches.length) % this.matches.length;
      this.#highlight();
    }
  }

  #pick(classId) {
    this.clear();
    this.input.blur();
    this.onPick(classId);
  }
}
