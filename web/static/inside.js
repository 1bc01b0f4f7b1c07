// @ts-check
/**
 * What a namespace holds, in the details panel: the "inside" of GET
 * /api/v1/ns/{ref} (internal/inspect) as sections of rows — interfaces
 * and their peers for net, ID maps and capabilities for user, PID chains
 * for pid, host name, clock offsets, cgroup root, mounts and the mount
 * namespaces they propagate to. Other namespaces and containers are links
 * that open their details. insideSections is pure and tested; renderInside
 * puts the sections into the page with textContent only.
 */

import { visibleText } from "./detailsdata.js";

/**
 * @typedef {object} Item one row of a section
 * @property {string} label
 * @property {string} value
 * @property {string} [link] a node ID ("ns:123", "ctr:…") that a click opens
 */

/**
 * @typedef {object} Section
 * @property {string} key net, user, pid, uts, time, cgroup, mnt, related, missing
 * @property {string} title
 * @property {Item[]} items
 * @property {string} [note] said under the rows
 * @property {boolean} [mountsButton] offer to load the mount table
 */

/** Rows listed per long list (capabilities, PIDs, mounts) before "… more". */
export const MAX_ROWS = 40;

/**
 * @param {unknown} v
 * @returns {string}
 */
const s = (v) => (v === undefined || v === null ? "" : visibleText(String(v)));

/**
 * @param {number[]} c
 */
export const chain = (c) => (c || []).join(" → ");

/**
 * @param {{inside: number, outside: number, count: number}[] | undefined} m
 */
function mapText(m) {
  if (!m || !m.length) return "none (every ID unmapped)";
  return m.map((x) => `${x.inside}→${x.outside} ×${x.count}`).join(", ");
}

/**
 * The sections for one answer of GET /api/v1/ns/{ref}.
 * @param {any} full the answer
 * @param {(nsid: number) => string} nameOf how a person knows another namespace
 * @param {(containerID: string) => string | undefined} [ctrNode] a container's node ID, if the view has one
 * @returns {Section[]}
 */
export function insideSections(full, nameOf, ctrNode) {
  /** @type {Section[]} */
  const out = [];
  if (!full || !full.namespace) return out;
  const ns = full.namespace;
  /** @type {Item[]} */
  const rel = [];
  if (ns.owner && ns.owner !== ns.id) rel.push({ label: "Owner", value: nameOf(ns.owner), link: `ns:${ns.owner}` });
  if (ns.parent && ns.parent !== ns.owner) rel.push({ label: "Parent", value: nameOf(ns.parent), link: `ns:${ns.parent}` });
  for (const c of full.containers || []) {
    const link = ctrNode ? ctrNode(c.id) : undefined;
    rel.push({ label: "Container", value: s(c.name || String(c.id || "").slice(0, 12)) + (c.runtime ? ` (${s(c.runtime)})` : ""), ...(link ? { link } : {}) });
  }
  for (const c of full.containers || []) {
    if (c.pod) rel.push({ label: "Pod", value: s(c.podNamespace ? `${c.podNamespace}/${c.pod}` : c.pod) });
  }
  if (rel.length) out.push({ key: "related", title: "Related", items: rel });
  const d = full.inside;
  if (!d) return out;
  if (d.net) out.push(...netSections(d.net, nameOf));
  if (d.user) out.push(userSection(d.user));
  if (d.pid) {
    const items = [{ label: "Level", value: `${d.pid.level}${d.pid.level === 0 ? " (the initial PID namespace)" : ""}` }];
    for (const p of (d.pid.procs || []).slice(0, MAX_ROWS)) items.push({ label: `${s(p.comm) || "?"}`, value: chain(p.chain) });
    const more = Math.max(0, (d.pid.procs || []).length - MAX_ROWS) + (d.pid.more || 0);
    out.push({ key: "pid", title: "PIDs (host → … → here)", items, ...(more ? { note: `… and ${more} more` } : {}) });
  }
  if (d.uts) out.push({ key: "uts", title: "Names", items: [{ label: "Hostname", value: s(d.uts.hostname) }, { label: "Domain name", value: s(d.uts.domainname) }] });
  if (d.time) {
    const items = (d.time.offsets || []).map((/** @type {any} */ o) => ({ label: s(o.clock), value: `${o.secs >= 0 ? "+" : ""}${o.secs}.${String(Math.abs(o.nsecs)).padStart(9, "0")} s` }));
    out.push({ key: "time", title: "Clock offsets", items });
  }
  if (d.cgroup) out.push({ key: "cgroup", title: "Cgroup", items: [{ label: "Root", value: s(d.cgroup.root) }] });
  if (d.mnt) out.push(mntSection(d.mnt, nameOf));
  if (d.missing && d.missing.length) out.push({ key: "missing", title: "Not shown", items: d.missing.map((/** @type {string} */ m) => ({ label: "Missing", value: s(m) })) });
  return out;
}

/**
 * @param {any} n netinfo.NetNS
 * @param {(nsid: number) => string} nameOf
 * @returns {Section[]}
 */
function netSections(n, nameOf) {
  /** @type {Item[]} */
  const items = [];
  for (const f of n.interfaces || []) {
    const bits = [s(f.kind), s(f.state), `mtu ${f.mtu}`];
    if (f.mac) bits.push(s(f.mac));
    items.push({ label: s(f.name), value: bits.join(" · ") });
    for (const a of f.addrs || []) items.push({ label: "", value: `${a.family} ${s(a.ip)}/${a.prefixLen}${a.scope ? ` scope ${s(a.scope)}` : ""}` });
    if (f.master) items.push({ label: "", value: `port of ${s(f.master)}` });
    if (f.ports && f.ports.length) items.push({ label: "", value: `ports: ${f.ports.map(s).join(", ")}` });
    const p = f.peer;
    if (p) {
      if (p.unresolved) items.push({ label: "", value: `${p.relation}: ifindex ${p.ifindex}, ${s(p.unresolved)}` });
      else if (!p.ns) items.push({ label: "", value: `${p.relation}: ${s(p.name)} in this namespace` });
      else items.push({ label: "", value: `${p.relation}: ${s(p.name)} in ${nameOf(p.ns)}`, link: `ns:${p.ns}` });
    }
  }
  /** @type {Section[]} */
  const out = [{ key: "net", title: "Interfaces", items }];
  const routes = (n.defaultRoutes || []).map((/** @type {any} */ r) => ({
    label: r.family === "inet6" ? "IPv6" : "IPv4",
    value: [r.gateway ? `via ${s(r.gateway)}` : "", r.dev ? `dev ${s(r.dev)}` : ""].filter(Boolean).join(" ") || "direct",
  }));
  out.push({ key: "routes", title: "Default routes", items: routes, ...(routes.length ? {} : { note: "None." }) });
  return out;
}

/**
 * @param {any} u inspect.User
 * @returns {Section}
 */
function userSection(u) {
  const items = [
    { label: "uid_map", value: mapText(u.uidMap) },
    { label: "gid_map", value: mapText(u.gidMap) },
  ];
  if (u.setgroups) items.push({ label: "setgroups", value: s(u.setgroups) });
  const caps = u.caps || [];
  for (const c of caps.slice(0, MAX_ROWS)) {
    let v;
    if (c.error) v = s(c.error);
    else if (c.full) v = `all capabilities (${c.capEff})`;
    else if (!c.caps.length) v = "none";
    else v = c.caps.join(" ");
    items.push({ label: `${c.pid} ${s(c.comm)} (uid ${c.uid})`, value: v });
  }
  const more = Math.max(0, caps.length - MAX_ROWS) + (u.capsMore || 0);
  return {
    key: "user",
    title: "ID maps and capabilities",
    items,
    note: `Effective capabilities of the member processes, which hold inside this namespace${more ? `; … and ${more} more` : ""}.`,
  };
}

/**
 * @param {any} m inspect.Mnt
 * @param {(nsid: number) => string} nameOf
 * @returns {Section}
 */
function mntSection(m, nameOf) {
  const prop = Object.entries(m.propagation || {})
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  /** @type {Item[]} */
  const items = [{ label: "Mounts", value: String(m.count) }];
  if (m.root) items.push({ label: "Root", value: `${s(m.root.source)} ${s(m.root.fstype)} (${s(m.root.propagation)})` });
  items.push({ label: "Propagation", value: prop });
  for (const p of m.peers || []) {
    items.push({ label: s(p.relation), value: `${nameOf(p.ns)}: groups ${(p.groups || []).join(", ")} (${p.mounts} mounts)`, link: `ns:${p.ns}` });
  }
  const table = m.mounts || [];
  for (const t of table.slice(0, 500)) items.push({ label: s(t.mountPoint), value: `${s(t.fstype)} ${s(t.source)} · ${s(t.propagation)}` });
  return { key: "mnt", title: "Mounts", items, ...(table.length ? {} : { mountsButton: true }) };
}

/**
 * Puts the sections into el, replacing what was there unless nothing
 * changed. open(link) is called when a link is clicked.
 * @param {HTMLElement} el
 * @param {Section[]} sections
 * @param {(link: string) => void} open
 * @param {() => void} loadMounts
 */
export function renderInside(el, sections, open, loadMounts) {
  const key = JSON.stringify(sections);
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  el.replaceChildren();
  for (const sec of sections) {
    const div = document.createElement("div");
    div.className = "inside-sec";
    div.dataset.sec = sec.key;
    const h = document.createElement("h3");
    h.textContent = sec.title;
    const dl = document.createElement("dl");
    dl.className = "rows";
    for (const it of sec.items) {
      const dt = document.createElement("dt");
      dt.textContent = it.label;
      const dd = document.createElement("dd");
      if (it.link) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "link";
        b.textContent = it.value;
        b.dataset.link = it.link;
        b.dataset.focus = `link:${it.link}:${it.label}`;
        b.addEventListener("click", () => open(it.link || ""));
        dd.append(b);
      } else {
        dd.textContent = it.value || "—";
      }
      dl.append(dt, dd);
    }
    div.append(h, dl);
    if (sec.note) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = sec.note;
      div.append(p);
    }
    if (sec.mountsButton) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "load-mounts";
      b.textContent = "Show the mount table";
      b.addEventListener("click", loadMounts);
      div.append(b);
    }
    el.append(div);
  }
}

/** @type {Set<number>} namespaces whose mount table the reader asked for */
const mountsWanted = new Set();

/**
 * The query that asks for what the reader opened of namespace nsid.
 * @param {number | undefined} nsid
 */
export const insideQuery = (nsid) => (nsid !== undefined && mountsWanted.has(nsid) ? "?mounts=1" : "");

/**
 * Ask for namespace nsid's mount table from now on.
 * @param {number | undefined} nsid
 */
export function wantMounts(nsid) {
  if (nsid !== undefined) mountsWanted.add(nsid);
}

/**
 * How the panel names other namespaces and finds container nodes, from the
 * nodes of the view.
 * @param {Map<string, import("./store.js").WireNode>} nodes
 */
export function namesFrom(nodes) {
  return {
    /** @param {number} id */
    nameOf(id) {
      const n = nodes.get(`ns:${id}`);
      if (!n) return `ns:${id}`;
      const ino = n.info?.inode;
      if (ino !== undefined) return `${n.type} ns ${ino}`;
      // A label names its type already ("user 4026531837 · host"): no
      // "user ns user 4026531837".
      const label = visibleText(n.label);
      return label.startsWith(`${n.type} `) ? label : `${n.type} ns ${label}`;
    },
    /** @param {string} cid */
    ctrNode(cid) {
      for (const n of nodes.values()) if (n.kind === "container" && n.container?.id === cid) return n.id;
      return undefined;
    },
  };
}

/** How long a container's or pod's answer is shown before it is asked again. */
const BOX_MAX_AGE_MS = 3000;

/** @type {Map<string, {at: number, body: any, error: string}>} answers by node ID */
const boxes = new Map();

/**
 * The URL of a container or pod node's details, "" for other nodes.
 * @param {import("./store.js").WireNode} n
 */
export function boxURL(n) {
  const c = n.container;
  if (!c) return "";
  if (n.kind === "container" && c.id) return `/api/v1/container/${encodeURIComponent(c.id)}`;
  if (n.kind === "pod" && c.pod) return `/api/v1/pod/${encodeURIComponent(c.podNamespace || "")}/${encodeURIComponent(c.pod)}`;
  return "";
}

/**
 * The sections of a container's or pod's answer: its processes with their
 * PIDs inside, every namespace it uses and who shares it, a pod's
 * containers.
 * @param {any} b inspect.Box
 * @param {(nsid: number) => string} nameOf
 * @param {(containerID: string) => string | undefined} ctrNode
 * @returns {Section[]}
 */
export function boxSections(b, nameOf, ctrNode) {
  /** @type {Section[]} */
  const out = [];
  if (!b) return out;
  if (b.kind === "pod") {
    out.push({
      key: "pod",
      title: "Containers",
      items: (b.containers || []).map((/** @type {any} */ c) => {
        const link = ctrNode(c.id);
        return { label: s(c.runtime), value: s(c.name || String(c.id).slice(0, 12)), ...(link ? { link } : {}) };
      }),
    });
  }
  const procs = b.processes || [];
  out.push({
    key: "box-procs",
    title: "Processes (host PID → … → inside)",
    items: procs.slice(0, MAX_ROWS).map((/** @type {any} */ p) => ({ label: s(p.comm) || "?", value: chain(p.chain) })),
    ...(procs.length > MAX_ROWS || b.more ? { note: `… and ${procs.length - Math.min(procs.length, MAX_ROWS) + (b.more || 0)} more` } : {}),
  });
  out.push({
    key: "box-ns",
    title: "Namespaces",
    items: (b.namespaces || []).map((/** @type {any} */ n) => {
      const shared = [];
      if (n.sharedWith && n.sharedWith.length) shared.push(`shared with ${n.sharedWith.map(s).join(", ")}`);
      if (n.host) shared.push("shared with host processes");
      return { label: s(n.type), value: `${nameOf(n.ns)}${shared.length ? ` · ${shared.join("; ")}` : " · its own"}`, link: `ns:${n.ns}` };
    }),
  });
  return out;
}

/**
 * The sections for a container or pod node, from the last answer; asks the
 * server when there is none or it is old, and calls again() when the
 * answer is in.
 * @param {import("./store.js").WireNode} n
 * @param {(nsid: number) => string} nameOf
 * @param {(containerID: string) => string | undefined} ctrNode
 * @param {() => void} again
 * @returns {Section[]}
 */
export function boxFor(n, nameOf, ctrNode, again) {
  const url = boxURL(n);
  if (!url) return [];
  const have = boxes.get(n.id);
  if (!have || performance.now() - have.at > BOX_MAX_AGE_MS) {
    boxes.set(n.id, { at: performance.now(), body: have?.body, error: have?.error || "" });
    fetch(url, { headers: { Accept: "application/json" } })
      .then(async (r) => {
        const body = await r.json().catch(() => ({}));
        if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
        boxes.set(n.id, { at: performance.now(), body, error: "" });
      })
      .catch((err) => boxes.set(n.id, { at: performance.now(), body: null, error: String(err.message || err) }))
      .finally(again);
  }
  const got = boxes.get(n.id);
  if (got?.error) return [{ key: "missing", title: "Not shown", items: [{ label: "Error", value: s(got.error) }] }];
  return boxSections(got?.body, nameOf, ctrNode);
}
