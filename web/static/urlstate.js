// @ts-check
/**
 * The part of the dashboard's state that lives in the URL, so that a view can
 * be shared by copying the address: which view, which grouping, which
 * filter, which node is selected.
 */

/** @typedef {"owner" | "pid"} ViewName */

/** @typedef {"none" | "container" | "pod"} GroupName */

/**
 * @typedef {object} UrlState
 * @property {ViewName} view
 * @property {GroupName} group how the owner view gathers namespaces; "container" by default, as on the server
 * @property {string} q filter query in nsweb's filter language
 * @property {string} sel selected node ID, "" for none
 */

/** @type {readonly ViewName[]} */
export const VIEWS = ["owner", "pid"];

/** @type {readonly GroupName[]} */
export const GROUPS = ["none", "container", "pod"];

/** The server's grouping when a request names none. */
export const DEFAULT_GROUP = "container";

/**
 * Read the state from a query string. Unknown views and groupings fall back
 * to the defaults rather than failing, since a hand-edited link should
 * still open.
 * @param {string} search location.search, with or without the leading "?"
 * @returns {UrlState}
 */
export function parseState(search) {
  const p = new URLSearchParams(search);
  const v = p.get("view") || "owner";
  const view = /** @type {ViewName} */ (VIEWS.includes(/** @type {ViewName} */ (v)) ? v : "owner");
  const g = p.get("group") || DEFAULT_GROUP;
  const group = /** @type {GroupName} */ (GROUPS.includes(/** @type {GroupName} */ (g)) ? g : DEFAULT_GROUP);
  return { view, group, q: p.get("q") || "", sel: p.get("sel") || "" };
}

/**
 * Write the state as a query string, leaving defaults out so that links stay
 * short.
 * @param {UrlState} s
 * @returns {string} "" or "?…"
 */
export function formatState(s) {
  const p = new URLSearchParams();
  if (s.view !== "owner") p.set("view", s.view);
  if (s.group !== DEFAULT_GROUP) p.set("group", s.group);
  if (s.q) p.set("q", s.q);
  if (s.sel) p.set("sel", s.sel);
  const str = p.toString();
  return str ? `?${str}` : "";
}
