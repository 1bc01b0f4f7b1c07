// @ts-check
/**
 * The change log's past, from the stream: the page's first hello asks for
 * the events recorded since the log began in this tab (sessionStorage, so a
 * reload asks for the same start) or the last hour, and the server sends
 * them between the picture and the live patches (a "history" message,
 * docs/protocol.md), so the log reads on across a reload without a line
 * twice or a change missed. app.js wires it with a few lines.
 */
import { logItems } from "./timeline.js";

/**
 * @typedef {object} HistoryMsg the recorded events a hello's replay asked for
 * @property {"history"} type
 * @property {{t: string, kind: string, text?: string}[]} [events] oldest first
 * @property {number} [more] older events left out
 * @property {boolean} [moreAtLeast] at least that many
 * @property {string} [error] why there are none
 */

/** sessionStorage key: when this tab's change log began (ISO time). */
export const LOG_FROM_KEY = "nsweb.logFrom";

/** How far back a new tab's log starts. */
export const FIRST_SPAN_MS = 60 * 60 * 1000;

/**
 * The replay time of a page's first hello: the start of this tab's log,
 * kept across reloads, or an hour back for a new tab (then kept).
 * @param {{getItem(k: string): string | null, setItem(k: string, v: string): void} | null} storage
 * @param {number} now
 * @returns {string}
 */
export function replayFrom(storage, now) {
  let from = null;
  try {
    from = storage?.getItem(LOG_FROM_KEY) ?? null;
  } catch {
    // storage refused (privacy settings): an hour back
  }
  if (!from || Number.isNaN(Date.parse(from)) || Date.parse(from) > now) {
    from = new Date(now - FIRST_SPAN_MS).toISOString();
    try {
      storage?.setItem(LOG_FROM_KEY, from);
    } catch {
      // as above
    }
  }
  return from;
}

/** This tab's sessionStorage, or null where the browser refuses it. */
export function tabStorage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * The log lines of a history message, newest first, with a last line that
 * counts the older events the server left out.
 * @param {HistoryMsg} msg
 * @returns {HTMLElement[]}
 */
export function historyLines(msg) {
  const lines = logItems(msg.events || []).reverse();
  if (msg.more) {
    const li = document.createElement("li");
    li.className = "more hist";
    li.textContent = `… and ${msg.more}${msg.moreAtLeast ? "+" : ""} earlier events (nsweb history)`;
    lines.push(li);
  }
  return lines;
}

/**
 * Puts a history message's lines into the log: above what the picture's
 * snapshot added, below the live patches that follow (they come after it).
 * @param {HTMLElement} list the log's <ol>
 * @param {Parameters<typeof historyLines>[0]} msg
 * @param {number} max the lines the log keeps
 */
export function addHistory(list, msg, max) {
  const frag = document.createDocumentFragment();
  frag.append(...historyLines(msg));
  list.prepend(frag);
  while (list.children.length > max) list.lastElementChild?.remove();
}
