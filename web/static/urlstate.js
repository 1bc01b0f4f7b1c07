// @ts-check
/**
 * The part of the dashboard's state that lives in the URL, so that a view can
 * be shared by copying the address: which view, which grouping, which
 * filter, which groups are open, which node is selected.
 */

/** @typedef {"owner" | "pid" | "network"} ViewName */

/** @typedef {"none" | "container" | "pod"} GroupName */

/**
 * @typedef {object} UrlState
 * @property {ViewName} view
 * @property {GroupName} group how the owner view gathers namespaces; "container" by default, as on the server
 * @property {string} q filter query in nsweb's filter language
 * @property {string[]} expand IDs of the folded groups the user opened, sorted
 * @property {boolean} [expandNamed] the URL names the open groups itself,
 *   none included (an expand parameter, empty for none): a selection does
 *   not ask the server to open the groups that hide it (hello's reveal),
 *   so that groups folded again stay folded across a reload. A link with
 *   a selection and no expand (/?sel=ns:…) leaves the groups to reveal.
 * @property {string} sel selected node ID, "" for none
 */

/** @type {readonly ViewName[]} */
export const VIEWS = ["owner", "pid", "network"];

/** @type {readonly GroupName[]} */
export const GROUPS = ["none", "container", "pod"];

/** The server's grouping when a request names none. */
export const DEFAULT_GROUP = "container";

/**
 * @typedef {object} Limits the server's bounds on a hello's expand
 *   (docs/protocol.md, hello), as the page it serves says them
 * @property {number} expand how many group IDs
 * @property {number} groupID how many bytes in one ID
 */

/** No bounds: a page that does not say them leaves the checks to the server. */
export const NO_LIMITS = Object.freeze({ expand: Infinity, groupID: Infinity });

/**
 * The limits the page says in its meta elements nsweb-max-expand and
 * nsweb-max-group-id; a missing or odd one bounds nothing.
 * @param {(name: string) => string | null | undefined} meta the content of the meta element of that name
 * @returns {Limits}
 */
export function readLimits(meta) {
  /** @param {string} name */
  const bound = (name) => {
    const v = Number(meta(name) ?? NaN);
    return Number.isInteger(v) && v > 0 ? v : Infinity;
  };
  return { expand: bound("nsweb-max-expand"), groupID: bound("nsweb-max-group-id") };
}

const utf8 = new TextEncoder();

/**
 * Whether the server would take id as a group to open: a link edited by
 * hand must not make the server refuse the whole hello. Only the bounds
 * are checked: what a group ID looks like is the server's business.
 * @param {string} id
 * @param {Limits} [limits]
 * @returns {boolean}
 */
export function validGroupID(id, limits = NO_LIMITS) {
  return id !== "" && !id.includes("\n") && utf8.encode(id).length <= limits.groupID;
}

/**
 * The group IDs of expand parameters, as the server reads them for
 * /snapshot.svg: one ID per parameter, as it is. A group folded inside a
 * container node has the container's ID in its own, and container IDs from
 * cgroups (LXC, systemd-nspawn) may hold commas and spaces, so a value is
 * never split or trimmed. Invalid IDs (an empty parameter, say) are
 * dropped, the rest sorted, without duplicates, at most limits.expand.
 * @param {string[]} values
 * @param {Limits} [limits]
 * @returns {string[]}
 */
export function parseExpand(values, limits = NO_LIMITS) {
  const ids = new Set(values.filter((id) => validGroupID(id, limits)));
  return [...ids].sort().slice(0, limits.expand);
}

/**
 * Read the state from a query string. Unknown views and groupings fall back
 * to the defaults rather than failing, since a hand-edited link should
 * still open.
 * @param {string} search location.search, with or without the leading "?"
 * @param {Limits} [limits] the server's bounds on expand
 * @returns {UrlState}
 */
export function parseState(search, limits = NO_LIMITS) {
  const p = new URLSearchParams(search);
  const v = p.get("view") || "owner";
  const view = /** @type {ViewName} */ (VIEWS.includes(/** @type {ViewName} */ (v)) ? v : "owner");
  const g = p.get("group") || DEFAULT_GROUP;
  const group = /** @type {GroupName} */ (GROUPS.includes(/** @type {GroupName} */ (g)) ? g : DEFAULT_GROUP);
  return { view, group, q: p.get("q") || "", expand: parseExpand(p.getAll("expand"), limits), expandNamed: p.has("expand"), sel: p.get("sel") || "" };
}

/**
 * The query parameters of view, grouping, filter and open groups, leaving
 * defaults out so that links stay short. The page's URL and the SVG
 * download both use them, so the download is the picture on screen.
 * @param {{view: ViewName, group: GroupName, q: string, expand: Iterable<string>}} s
 * @returns {URLSearchParams}
 */
export function pictureParams(s) {
  const p = new URLSearchParams();
  if (s.view !== "owner") p.set("view", s.view);
  if (s.group !== DEFAULT_GROUP) p.set("group", s.group);
  if (s.q) p.set("q", s.q);
  for (const g of [...s.expand].sort()) p.append("expand", g);
  return p;
}

/**
 * Write the state as a query string, leaving defaults out so that links stay
 * short. With a selection and expandNamed, no open group is written as an
 * empty expand ("expand=&sel=…"), which the server reads as no group.
 * @param {UrlState} s
 * @returns {string} "" or "?…"
 */
export function formatState(s) {
  const p = pictureParams(s);
  if (s.sel && s.expandNamed && !p.has("expand")) p.append("expand", "");
  if (s.sel) p.set("sel", s.sel);
  const str = p.toString();
  return str ? `?${str}` : "";
}
