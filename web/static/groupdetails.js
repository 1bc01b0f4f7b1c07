// @ts-check
/**
 * The details of a folded group ("+1,950 user", "+1,000 containers"): the
 * server's answer to GET /api/v1/ns/{group ID}?view=…, for the picture the
 * page shows, turned into rows of the details panel: how many members,
 * how many processes in them, and the members with the most processes.
 * Pure, so the shape is tested.
 */

import { visibleText } from "./detailsdata.js";

/** The query parameters that say which picture a group belongs to. */
const PICTURE = ["view", "group", "q", "expand"];

/**
 * Whether the panel asks the server about node n: a namespace, or a group.
 * @param {{kind?: string, ns?: number}} n
 */
export const askable = (n) => n.kind === "group" || !!n.ns;

/**
 * The URL of what group id holds in the picture the page's query names.
 * @param {string} id the group node's ID, "grp:…"
 * @param {string} search the page's location.search
 */
export function groupURL(id, search) {
  const from = new URLSearchParams(search);
  const q = new URLSearchParams();
  for (const k of PICTURE) for (const v of from.getAll(k)) q.append(k, v);
  const s = q.toString();
  return `/api/v1/ns/${encodeURIComponent(id)}${s ? `?${s}` : ""}`;
}

/** @type {Record<string, string>} */
const WHAT = { dir: "namespaces", file: "namespaces", container: "containers", pod: "pods" };

/**
 * Details of a group merged with the server's answer.
 * @param {import("./detailsdata.js").Details} base from the node
 * @param {any} body the answer: {group: true, folds, type, count, processes, top}
 * @returns {import("./detailsdata.js").Details}
 */
export function withGroup(base, body) {
  const n = (/** @type {unknown} */ v) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const what = WHAT[body.folds] || "members";
  const rows = base.rows.filter((r) => r.label !== "Folded namespaces");
  const count = n(body.count).toLocaleString("en-US");
  rows.push({ label: "Members", value: `${count} ${body.type ? `${visibleText(body.type)} ` : ""}${what}` });
  rows.push({ label: "Processes in them", value: n(body.processes).toLocaleString("en-US") });
  const top = Array.isArray(body.top) ? body.top : [];
  top.forEach((/** @type {any} */ m, /** @type {number} */ i) => {
    const name = m.name ? ` · ${m.name}` : "";
    const label = m.inode ? `${m.type} ${m.inode}${name}` : `${m.name || m.ref}`;
    const procs = n(m.processes);
    rows.push({
      label: i === 0 ? "Most processes" : "",
      value: visibleText(`${label}: ${procs.toLocaleString("en-US")} process${procs === 1 ? "" : "es"}`),
    });
  });
  return { ...base, rows, procTotal: n(body.processes) };
}
