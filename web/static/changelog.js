// @ts-check
/**
 * The change log: what appeared, ended, changed, entered or left the view,
 * newest first. A click on a change that is still in the view picks its node.
 */
import { forLog } from "./store.js";

const LOG_MAX = 100;

/**
 * How the log shows each kind of change. Only "ended" says a namespace is
 * gone: one that no longer matches the filter, or folded into a group,
 * still exists and only "left the view". Likewise only "appeared" says it
 * is new: one that the filter keeps now, or that came out of a group that
 * unfolded, existed before and only "entered the view".
 * @type {Record<import("./store.js").ChangeKind, {className: string, said: string, title: string}>}
 */
const LOG_KINDS = {
  appeared: { className: "add", said: "appeared", title: "Appeared: new on the host" },
  changed: { className: "upd", said: "changed", title: "" },
  ended: { className: "del", said: "ended", title: "Ended: gone from the host" },
  entered: { className: "entered", said: "entered the view", title: "Entered the view: the filter keeps it now, or its group unfolded; it is not new" },
  left: { className: "left", said: "left the view", title: "Left the view: the filter no longer keeps it, or it folded into a group; it still exists" },
};

/** The log list and what a click on one of its changes does. */
export class ChangeLog {
  /**
   * @param {HTMLElement} list the log's <ol>
   * @param {(id: string) => void} pick a change's node was clicked
   */
  constructor(list, pick) {
    this.list = list;
    list.addEventListener("click", (ev) => {
      const b = /** @type {HTMLElement} */ (ev.target).closest("button[data-id]");
      if (!(b instanceof HTMLElement) || !b.dataset.id) return;
      pick(b.dataset.id);
    });
  }

  /** how many lines the log shows */
  get size() {
    return this.list.children.length;
  }

  /** @param {import("./store.js").Change[]} changes */
  add(changes) {
    if (!changes.length) return;
    const frag = document.createDocumentFragment();
    // Newest first; a big burst is summarised so the log stays readable,
    // what happened on the host before what only entered or left the view.
    const shown = forLog(changes, 30).reverse();
    for (const c of shown) {
      const li = document.createElement("li");
      const how = LOG_KINDS[c.kind];
      li.className = how.className;
      // A count inside a folded group says its words: the group stays.
      if (c.count) li.classList.add("in");
      if (how.title) li.title = how.title;
      const time = document.createElement("time");
      const d = new Date(c.t);
      time.dateTime = d.toISOString();
      time.textContent = d.toLocaleTimeString();
      // The sign is for the eye; screen readers read the words beside it (an
      // aria-label on a plain span is not read).
      const sign = document.createElement("span");
      sign.className = "sign";
      sign.textContent = c.sign;
      sign.setAttribute("aria-hidden", "true");
      const said = document.createElement("span");
      said.className = "sr-only";
      said.textContent = `${how.said}: `;
      const gone = c.kind === "ended" || c.kind === "left";
      const text = document.createElement(gone ? "span" : "button");
      text.className = "what";
      if (c.count) text.append(`${c.text} ${how.said} (in ${c.group})`);
      else text.append(said, c.text);
      // The line is clipped to the panel: hover reads it whole.
      text.title = c.count ? `${c.text} ${how.said} (in ${c.group})` : `${how.said}: ${c.text}`;
      if (text instanceof HTMLButtonElement) {
        text.type = "button";
        text.dataset.id = c.id;
      }
      li.append(time, sign, text);
      frag.append(li);
    }
    if (changes.length > 30) {
      const li = document.createElement("li");
      li.className = "more";
      li.textContent = `… and ${changes.length - 30} more changes`;
      frag.append(li);
    }
    this.list.prepend(frag);
    while (this.list.children.length > LOG_MAX) this.list.lastElementChild?.remove();
  }
}
