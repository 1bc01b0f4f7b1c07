// @ts-check
/**
 * Turns what the browser knows about a namespace (the node's small info from
 * the stream, and later the full answer of GET /api/v1/ns/{id}) into the rows
 * of the details panel. Pure, so the shape is tested; the panel only puts
 * the strings into the page with textContent.
 *
 * Every string meant for the eye has passed visibleText: host data (process
 * names, command lines, container names and labels, mount paths) is written
 * by any local user, and textContent keeps markup inert but still applies a
 * bidi override. Copy buttons take the value through copyText (Row.copy,
 * ProcRow.copy): its printable text as it is, control and bidi characters
 * as escapes (\x1b, \n, \u202e), so that a paste into a terminal runs no
 * escape sequence and no hidden line.
 */

import { foldedBoxes } from "./shapes.js";
import { withGroup } from "./groupdetails.js";

/**
 * @typedef {object} Row
 * @property {string} label
 * @property {string} value
 * @property {string} [copy] offer a copy button that copies this (copyText of the value)
 */

/**
 * @typedef {object} ProcRow
 * @property {string} pid
 * @property {string} command
 * @property {string} user
 * @property {string} [copy] the command line through copyText, for the copy button; absent when unknown
 */

/**
 * @typedef {object} Details
 * @property {string} title
 * @property {Row[]} rows
 * @property {ProcRow[]} procs
 * @property {number} procTotal processes known to exist (may exceed procs.length)
 * @property {string[]} containers
 * @property {string[]} heldBy
 * @property {boolean} [box] a container or pod: no processes or holders of its own
 */

/**
 * @param {unknown} v
 * @returns {string}
 */
function str(v) {
  return v === undefined || v === null ? "" : String(v);
}

/**
 * The characters that must not act on the page: C0 and C1 controls and DEL
 * (they break or hide text), the bidi embeddings, overrides, isolates and
 * marks that reorder the text around them (Trojan Source: U+202E before
 * "exe.gnp" reads "png.exe"), the line and paragraph separators and the
 * byte order mark. The same set the text CLI escapes (internal/render).
 */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/**
 * s with every character of HIDDEN shown as a marker such as ⟨U+202E⟩
 * rather than applied, so that a reader sees both the text in its stored
 * order and that something tried to reorder it. Canvas labels drop these
 * characters (the server cleans them); the panel shows them, because it is
 * where a person goes to see exactly what a process is.
 * @param {unknown} s
 * @returns {string}
 */
export function visibleText(s) {
  return str(s).replace(HIDDEN, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`);
}

/** The escapes copyText writes for the common controls. */
const COPY_ESCAPES = /** @type {Record<string, string>} */ ({ "\n": "\\n", "\r": "\\r", "\t": "\\t" });

/**
 * s as the Copy buttons put it on the clipboard: printable text as it is,
 * every character of HIDDEN as an escape (\n, \x1b, \u202e).
 * @param {unknown} s
 * @returns {string}
 */
export function copyText(s) {
  return str(s).replace(HIDDEN, (c) => {
    const code = c.charCodeAt(0);
    if (COPY_ESCAPES[c]) return COPY_ESCAPES[c];
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * What the server leaves out of a label (internal/layout appendClean):
 * controls and invisible formatting characters.
 */
const LABEL_DROPS = /[\p{Cc}\p{Cf}]/u;

/**
 * s as the server puts it into a label: without LABEL_DROPS, cut to max
 * characters with a trailing "…". Only to recognise which raw string a
 * label was made of.
 * @param {string} s
 * @param {number} max
 * @returns {string}
 */
export function labelText(s, max) {
  const kept = [...s].filter((c) => !LABEL_DROPS.test(c));
  return kept.length <= max ? kept.join("") : `${kept.slice(0, max - 1).join("")}…`;
}

/** The longest name in a label, and a pod's "namespace/name" (internal/layout). */
const LABEL_NAME_MAX = 24;
const LABEL_POD_MAX = 48;

/**
 * The names the server may have put after "type inode · " in a
 * namespace's label, in the order it picks them (internal/layout namer):
 * the one container that uses it (unless it is drawn inside that
 * container's node), its leader's command, what keeps it alive.
 * @param {import("./store.js").WireNode} n
 * @param {Map<string, import("./store.js").WireNode>} [nodes]
 * @returns {string[]}
 */
function labelNames(n, nodes) {
  const info = n.info || {};
  const out = [];
  const parent = n.parent && nodes ? nodes.get(n.parent) : undefined;
  const cs = info.containers || [];
  if (cs.length === 1 && parent?.kind !== "container" && parent?.kind !== "pod") out.push(cs[0].name || str(cs[0].id).slice(0, 12));
  const l = info.leader;
  if (l) out.push(l.comm || `pid ${str(l.pid)}`);
  const h = (info.heldBy || [])[0];
  if (h) out.push(holderName(h));
  return out;
}

/**
 * How a label names what keeps a namespace alive (internal/layout
 * holderName).
 * @param {import("./store.js").Holder} h
 * @returns {string}
 */
function holderName(h) {
  switch (h.kind) {
    case "bindmount": return `bind ${str(h.path)}`;
    case "fd": return `fd ${str(h.fd)} of pid ${str(h.pid)}`;
    case "process": return `pid ${str(h.pid)}`;
    case "thread": return `tid ${str(h.tid)}`;
    case "pid_for_children": return `children of pid ${str(h.pid)}`;
    case "socket": return `socket of pid ${str(h.pid)}`;
    case "parent": return `parent of ${str(h.ns)}`;
    case "owner": return `owner of ${str(h.ns)}`;
    default: return str(h.kind);
  }
}

/**
 * The panel's title for a node. The label comes cleaned by the server:
 * hidden characters dropped, long names cut. Where the node holds the raw
 * name the label was made of, the title shows that name in full with its
 * hidden characters as markers, as the rows and lists below it do; else
 * the label.
 * @param {import("./store.js").WireNode} n
 * @param {Map<string, import("./store.js").WireNode>} [nodes]
 * @returns {string}
 */
export function titleOf(n, nodes) {
  const label = str(n.label);
  if (n.kind === "container" || n.kind === "pod") {
    const c = n.container || {};
    const raw = n.kind === "pod" ? `${str(c.podNamespace)}/${str(c.pod)}` : c.name || str(c.id).slice(0, 12);
    if (raw && labelText(raw, n.kind === "pod" ? LABEL_POD_MAX : LABEL_NAME_MAX) === label) return visibleText(raw);
    return visibleText(label);
  }
  const inode = n.info ? n.info.inode : n.ino;
  if (n.kind === "group" || inode === undefined) return visibleText(label);
  const head = `${str(n.type)} ${str(inode)} · `;
  if (label.startsWith(head)) {
    const name = label.slice(head.length);
    const raw = labelNames(n, nodes).find((x) => labelText(x, LABEL_NAME_MAX) === name);
    if (raw !== undefined) return visibleText(head + raw);
  }
  return visibleText(label);
}

/**
 * The user column of a process: its UID, with 0 shown as root.
 * @param {number | undefined} uid
 * @returns {string}
 */
export function userName(uid) {
  if (uid === undefined || uid === null) return "";
  return uid === 0 ? "root" : String(uid);
}

/**
 * One line saying what keeps a namespace alive, escaped for display.
 * @param {import("./store.js").Holder} h
 * @param {string} [type] the namespace's type: the model has one holder kind,
 *   "pid_for_children", for /proc/PID/ns/pid_for_children and
 *   time_for_children alike, and only the type tells which link holds it
 * @returns {string}
 */
export function holderText(h, type) {
  return visibleText(holderLine(h, type));
}

/**
 * @param {import("./store.js").Holder} h
 * @param {string} [type]
 * @returns {string}
 */
function holderLine(h, type) {
  switch (h.kind) {
    case "process": return `process ${str(h.pid)}`;
    case "thread": return `thread ${str(h.tid)} of process ${str(h.pid)}`;
    case "pid_for_children": return `${type === "time" ? "time" : "pid"}_for_children of process ${str(h.pid)}`;
    case "fd": return `open file descriptor ${str(h.fd)} of process ${str(h.pid)}`;
    case "socket": return `socket of process ${str(h.pid)}`;
    case "bindmount": return `bind mount ${str(h.path)}${h.mntns ? ` (mnt ${h.mntns})` : ""}`;
    case "parent": return `parent of live namespace ${str(h.ns)}`;
    case "owner": return `owner of live namespace ${str(h.ns)}`;
    default: return [h.kind, h.pid && `pid ${h.pid}`, h.path, h.ns && `ns ${h.ns}`].filter(Boolean).join(" ");
  }
}

/**
 * A container in one line, escaped for display.
 * @param {import("./store.js").ContainerRef} c
 * @returns {string}
 */
export function containerText(c) {
  const name = c.name || (c.id || "").slice(0, 12);
  const extra = [c.runtime, c.image, c.pod && `pod ${c.pod}`].filter(Boolean).join(", ");
  return visibleText(extra ? `${name} (${extra})` : name);
}

/**
 * The rows of a container or pod node: what the engine calls it, and how
 * many namespaces of the view it holds.
 * @param {import("./store.js").WireNode} n
 * @param {Map<string, import("./store.js").WireNode>} [nodes] to count the namespaces inside
 * @returns {Row[]}
 */
export function containerRows(n, nodes) {
  const c = n.container || {};
  /** @type {Row[]} */
  const rows = [];
  /** @param {string} label @param {unknown} v @param {boolean} [copy] */
  const add = (label, v, copy) => {
    if (v !== undefined && v !== null && v !== "") rows.push(row(label, v, copy));
  };
  if (n.kind === "pod") {
    add("Kind", "Kubernetes pod");
    add("Pod", c.pod, true);
    add("Pod namespace", c.podNamespace, true);
    add("Containers", c.containers);
  } else {
    add("Kind", "container");
    add("Name", c.name, true);
    add("Runtime", c.runtime);
    add("ID", c.id, true);
    add("Image", c.image, true);
    if (c.pod) add("Pod", c.podNamespace ? `${c.podNamespace}/${c.pod}` : c.pod, true);
    const labels = Object.keys(c.labels || {}).sort();
    for (const k of labels) add(`Label ${k}`, (c.labels || {})[k]);
    if (c.truncated) add("Labels", "more labels than shown");
  }
  if (nodes) {
    let k = 0;
    for (const m of nodes.values()) if (m.parent === n.id && m.kind !== "container") k += m.kind === "group" ? m.count || 0 : 1;
    add("Namespaces here", k);
  }
  return rows;
}

/**
 * A row of the details, its label and value escaped for display.
 * @param {string} label
 * @param {unknown} v
 * @param {boolean} [copy] offer to copy the value (through copyText)
 * @returns {Row}
 */
function row(label, v, copy) {
  const raw = str(v);
  return { label: visibleText(label), value: visibleText(raw), ...(copy && raw ? { copy: copyText(raw) } : {}) };
}

/**
 * @param {import("./store.js").Proc} p
 * @returns {ProcRow}
 */
function procRow(p) {
  const { err, cmdlineLen } = /** @type {{err?: string, cmdlineLen?: number}} */ (p);
  const cmd = p.cmdline || p.comm || "";
  // The server keeps the first 4 KiB of a command line; the whole one is
  // at /api/v1/proc/{pid}/cmdline while the process lives.
  const more = cmdlineLen && p.cmdline ? ` … (${cmdlineLen} bytes in all)` : "";
  return {
    pid: str(p.pid),
    command: visibleText(cmd || (err ? `(unreadable: ${err})` : "")) + more,
    user: err && p.uid === undefined ? "" : userName(p.uid),
    ...(cmd ? { copy: copyText(cmd) } : {}),
  };
}

/**
 * Details from a node alone (what the stream carries).
 * @param {import("./store.js").WireNode} n
 * @param {Map<string, import("./store.js").WireNode>} [nodes] to name the parent
 * @returns {Details}
 */
export function fromNode(n, nodes) {
  const info = n.info || { inode: n.ino, procs: n.procs };
  /** @type {Row[]} */
  const rows = [];
  const folded = foldedBoxes(n);
  if (folded) {
    // Folded containers (pods): no namespace of their own to show.
    const many = folded === "pod" ? "pods" : "containers";
    rows.push(row("Kind", `folded ${many}`));
    rows.push(row(`Folded ${many}`, (n.count ?? 0).toLocaleString("en-US")));
    rows.push(row("Open", `click the group (or press Enter on it) to show the ${many}`));
    return { title: visibleText(n.label), rows, procs: [], procTotal: 0, containers: [], heldBy: [], box: true };
  }
  if (n.kind === "group") {
    rows.push(row("Type", n.type));
    rows.push(row("Folded namespaces", n.count));
    return { title: visibleText(n.label), rows, procs: [], procTotal: 0, containers: [], heldBy: [] };
  }
  if (n.kind === "container" || n.kind === "pod") {
    return { title: titleOf(n), rows: containerRows(n, nodes), procs: [], procTotal: 0, containers: [], heldBy: [], box: true };
  }
  rows.push(row("NSID", n.ns, true));
  rows.push(row("Inode", info.inode, true));
  rows.push(row("Type", n.type));
  if (info.owner) rows.push(row("Owner (user ns)", info.owner, true));
  if (info.parentNS) rows.push(row("Parent ns", info.parentNS, true));
  const parent = n.parent && nodes ? nodes.get(n.parent) : undefined;
  if (parent) rows.push(row("Parent in view", parent.label));
  if (info.ownerUID !== undefined && info.ownerUID !== null) rows.push(row("Owner UID", info.ownerUID, true));
  if (info.dev !== undefined) rows.push(row("Device", info.dev));
  const procs = [];
  const seen = new Set();
  for (const p of [...(info.leader ? [info.leader] : []), ...(info.sample || [])]) {
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    procs.push(procRow(p));
  }
  return {
    title: titleOf(n, nodes),
    rows,
    procs,
    procTotal: info.procs ?? procs.length,
    containers: (info.containers || []).map(containerText),
    heldBy: (info.heldBy || []).map((h) => holderText(h, n.type)),
  };
}

/**
 * A node for namespace id made of the full answer of GET /api/v1/ns/{ref},
 * for a namespace the view does not show (a link to one a filter hides):
 * labelled as the server labels its nodes, with the node's small info, so
 * that fromNode and withFull show it as they show any other.
 * @param {string} id the node ID, "ns:<NSID>"
 * @param {any} full the answer; null or a failed answer gives the ID alone
 * @returns {import("./store.js").WireNode}
 */
export function nodeFromFull(id, full) {
  const ns = full && typeof full === "object" && full.namespace && typeof full.namespace === "object" ? full.namespace : {};
  /** @type {any[]} */
  const procs = Array.isArray(full?.processes) ? full.processes.filter((/** @type {any} */ p) => p && typeof p === "object") : [];
  /** @type {any[]} */
  const conts = Array.isArray(full?.containers) ? full.containers.filter((/** @type {any} */ c) => c && typeof c === "object") : [];
  const type = typeof ns.type === "string" ? ns.type : "";
  const leader = procs.find((p) => p.pid === ns.leader);
  /** @type {import("./store.js").NodeInfo} */
  const info = {
    inode: ns.inode,
    dev: ns.dev,
    owner: ns.owner || 0,
    parentNS: ns.parent || 0,
    ...(ns.ownerUID !== undefined && ns.ownerUID !== null ? { ownerUID: ns.ownerUID } : {}),
    procs: Array.isArray(ns.procs) ? ns.procs.length : procs.length,
    ...(leader ? { leader: { pid: leader.pid, comm: leader.comm, cmdline: leader.cmdline, uid: leader.uid } } : {}),
    heldBy: Array.isArray(ns.heldBy) ? ns.heldBy : [],
    containers: conts.map((c) => ({ id: str(c.id), runtime: c.runtime, name: c.name, image: c.image, pod: c.pod })),
  };
  const nsid = Number(ns.id) || Number(id.replace(/^ns:/, "")) || undefined;
  /** @type {import("./store.js").WireNode} */
  const n = { id, kind: type === "user" ? "dir" : "file", type, ns: nsid, label: id, x: 0, y: 0, w: 0, h: 0, info };
  if (type && ns.inode !== undefined && ns.inode !== null) {
    // The server's pick of a name (labelNames' first) outside any container node.
    const name = labelNames(n)[0];
    n.label = `${type} ${str(ns.inode)}${name === undefined ? "" : ` · ${labelText(name, LABEL_NAME_MAX)}`}`;
  }
  return n;
}

/**
 * Merge the full answer of GET /api/v1/ns/{id} into details from a node. The
 * answer is the model.Namespace with its member processes and containers;
 * it is read defensively (the fields may sit at the top or under
 * "namespace"), and whatever is missing keeps the node's values.
 * @param {Details} base
 * @param {any} full
 * @returns {Details}
 */
export function withFull(base, full) {
  if (!full || typeof full !== "object") return base;
  if (full.group === true) return withGroup(base, full);
  const ns = full.namespace && typeof full.namespace === "object" ? full.namespace : full;
  /** @type {any[]} */
  let procs = Array.isArray(full.processes) ? full.processes : Array.isArray(full.procs) && typeof full.procs[0] === "object" ? full.procs : [];
  if (!Array.isArray(full.processes) && full.processes && typeof full.processes === "object") procs = Object.values(full.processes);
  /** @type {any[]} */
  let conts = Array.isArray(full.containers) && typeof full.containers[0] === "object" ? full.containers : [];
  if (!Array.isArray(full.containers) && full.containers && typeof full.containers === "object") conts = Object.values(full.containers);
  const out = { ...base, rows: base.rows.slice() };
  if (procs.length) {
    out.procs = procs
      .filter((p) => p && typeof p.pid === "number")
      .sort((a, b) => a.pid - b.pid)
      .map(procRow);
    out.procTotal = Math.max(out.procs.length, Array.isArray(ns.procs) ? ns.procs.length : 0);
  } else if (Array.isArray(ns.procs)) {
    out.procTotal = ns.procs.length;
  }
  if (conts.length) out.containers = conts.map(containerText);
  // The answer's type, else the one the node showed.
  const type = typeof ns.type === "string" && ns.type ? ns.type : base.rows.find((x) => x.label === "Type")?.value;
  if (Array.isArray(ns.heldBy)) out.heldBy = ns.heldBy.map((/** @type {import("./store.js").Holder} */ h) => holderText(h, type));
  /** @param {string} label @param {unknown} v */
  const set = (label, v) => {
    const i = out.rows.findIndex((x) => x.label === label);
    if (i >= 0) out.rows[i] = row(label, v, true);
    else out.rows.push(row(label, v, true));
  };
  for (const [label, v] of /** @type {[string, unknown][]} */ ([["NSID", ns.id], ["Inode", ns.inode], ["Owner (user ns)", ns.owner], ["Parent ns", ns.parent]])) {
    if (v !== undefined && v !== null && v !== "" && v !== 0) set(label, v);
  }
  if (ns.ownerUID !== undefined && ns.ownerUID !== null) set("Owner UID", ns.ownerUID);
  return out;
}
