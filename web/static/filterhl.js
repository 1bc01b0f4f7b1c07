// @ts-check
/**
 * Filter highlighting. The server does the filtering (it keeps matching
 * namespaces and their ancestors, for context); the browser reads the same
 * query to tell the matches from the context nodes and to mark the matching
 * part of a label. This is a reading of the query for emphasis only: when in
 * doubt a node counts as a match, so nothing the server kept is hidden.
 */
import { foldedBoxes } from "./shapes.js";

/**
 * @typedef {object} Term
 * @property {string} key "" for free text, else type, container, pid, cmd, …
 * @property {string} value lower-cased
 * @property {boolean} neg
 */

/**
 * Split a query into terms: key:value, "quoted text", -negation.
 * @param {string} q
 * @returns {Term[]}
 */
export function parseQuery(q) {
  /** @type {Term[]} */
  const out = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i])) i++;
    if (i >= q.length) break;
    let neg = false;
    if (q[i] === "-" || q[i] === "!") {
      neg = true;
      i++;
    }
    let key = "";
    const m = /^([a-zA-Z]+):/.exec(q.slice(i));
    if (m) {
      key = m[1].toLowerCase();
      i += m[0].length;
    }
    let value = "";
    if (q[i] === '"') {
      i++;
      while (i < q.length && q[i] !== '"') {
        if (q[i] === "\\" && i + 1 < q.length) i++;
        value += q[i++];
      }
      i++;
    } else {
      while (i < q.length && !/\s/.test(q[i])) value += q[i++];
    }
    if (value || key) out.push({ key, value: value.toLowerCase(), neg });
  }
  return out;
}

/**
 * @typedef {object} Matchable the fields of a node the terms look at
 * @property {string} [id]
 * @property {string} label
 * @property {string} [type]
 * @property {string} [kind]
 * @property {string} [folds]
 * @property {number} [ns]
 * @property {import("./store.js").NodeInfo} [info]
 * @property {number} [ino]
 * @property {boolean} [ctx]
 */

/**
 * Does a node match the positive terms of a query by itself (not only as
 * the ancestor of a match)? Negative terms are the server's business: what
 * it sent has passed them.
 * @param {Matchable} n
 * @param {Term[]} terms
 * @returns {boolean}
 */
export function matches(n, terms) {
  // Container and pod nodes are the names people look for: never veiled,
  // nor is a group of them.
  if (n.kind === "container" || n.kind === "pod" || foldedBoxes(n)) return true;
  const pos = terms.filter((t) => !t.neg);
  if (!pos.length) return true;
  // A namespace node without details: the server, which applied the
  // filter, says whether it keeps it only as context (docs/protocol.md, ctx).
  if (!n.info && n.ino !== undefined) return !n.ctx;
  return pos.every((t) => termMatches(n, t));
}

/**
 * One term against a node, following internal/filter's meanings. The node
 * carries only a sample of its member processes: when the sample is not
 * the whole list, process terms count as matching.
 * @param {Matchable} n
 * @param {Term} t
 * @returns {boolean}
 */
function termMatches(n, t) {
  const info = n.info || {};
  const procs = [...(info.leader ? [info.leader] : []), ...(info.sample || [])];
  const partial = (info.procs ?? 0) > new Set(procs.map((p) => p.pid)).size;
  const has = (/** @type {string | undefined} */ s) => !!s && s.toLowerCase().includes(t.value);
  const anyOf = t.value.split(",").filter(Boolean);
  const ctrs = info.containers || [];
  switch (t.key) {
    case "":
      return has(n.label) || has(n.type) || String(info.inode ?? "") === t.value ||
        procs.some((p) => has(p.comm)) || ctrs.some((c) => has(c.name)) || partial;
    case "type":
      return anyOf.includes((n.type || "").toLowerCase());
    case "pid":
      return procs.some((p) => String(p.pid) === t.value) || partial;
    case "cmd":
      return procs.some((p) => has(p.comm) || has(p.cmdline)) || partial;
    case "uid":
      return String(info.ownerUID ?? "") === t.value || procs.some((p) => String(p.uid) === t.value) || partial;
    case "container":
      return ctrs.some((c) => (c.id || "").toLowerCase().startsWith(t.value) || has(c.name) || has(c.image) || has(c.pod) || has(c.runtime));
    case "ns":
      return String(n.ns ?? "") === t.value || String(info.inode ?? "") === t.value;
    case "held":
      return (info.heldBy || []).some((h) => anyOf.includes(h.kind.toLowerCase()));
    default:
      // A key this reading does not know: trust the server.
      return true;
  }
}

/**
 * Where the free-text and cmd/container values occur in a label, as
 * [start, end) ranges merged and sorted, for drawing the match emphasised.
 * @param {string} label
 * @param {Term[]} terms
 * @returns {[number, number][]}
 */
export function highlightRanges(label, terms) {
  const low = label.toLowerCase();
  /** @type {[number, number][]} */
  const r = [];
  for (const t of terms) {
    if (t.neg || !t.value || !["", "cmd", "container", "ns"].includes(t.key)) continue;
    let from = 0;
    for (;;) {
      const i = low.indexOf(t.value, from);
      if (i < 0) break;
      r.push([i, i + t.value.length]);
      from = i + t.value.length;
    }
  }
  r.sort((a, b) => a[0] - b[0]);
  /** @type {[number, number][]} */
  const merged = [];
  for (const x of r) {
    const last = merged[merged.length - 1];
    if (last && x[0] <= last[1]) last[1] = Math.max(last[1], x[1]);
    else merged.push([x[0], x[1]]);
  }
  return merged;
}
