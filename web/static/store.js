// @ts-check
/**
 * The browser's copy of the laid-out tree, kept in step with the server by
 * applying the stream's snapshot and patch messages. Pure: no DOM, no
 * timers; the caller passes the clock, so that it is tested with synthetic
 * messages under node --test.
 */

/**
 * @typedef {object} Proc
 * @property {number} pid
 * @property {string} [comm]
 * @property {string} [cmdline]
 * @property {number} [uid]
 */

/**
 * @typedef {object} Holder
 * @property {string} kind
 * @property {number} [pid]
 * @property {number} [tid]
 * @property {number} [fd]
 * @property {string} [path]
 * @property {number} [mntns]
 * @property {number} [ns]
 */

/**
 * @typedef {object} ContainerRef
 * @property {string} id
 * @property {string} [runtime]
 * @property {string} [name]
 * @property {string} [image]
 * @property {string} [pod]
 */

/**
 * @typedef {object} NodeInfo
 * @property {number} [inode]
 * @property {number} [dev]
 * @property {number} [owner]
 * @property {number} [parentNS]
 * @property {number | null} [ownerUID]
 * @property {number} [procs]
 * @property {Proc} [leader]
 * @property {Proc[]} [sample]
 * @property {Holder[]} [heldBy]
 * @property {ContainerRef[]} [containers]
 */

/**
 * @typedef {object} WireNode one laid-out box as the server sends it
 * @property {string} id
 * @property {"dir" | "file" | "group" | "container" | "pod"} kind
 * @property {string} type
 * @property {number} [ns]
 * @property {string} label
 * @property {string} [parent]
 * @property {number} [count]
 * @property {"file" | "dir" | "container" | "pod"} [folds] a group: what it
 *   folds; with parent and type it says which nodes fold into it (walk.js)
 * @property {number} x
 * @property {number} y
 * @property {number} w
 * @property {number} h
 * @property {number} [ino] the namespace's inode, as kernel tools print it
 * @property {number} [procs] its member processes
 * @property {boolean} [ctx] the filter keeps it only for what lies below it
 * @property {NodeInfo} [info] details; the server sends none (the panel asks
 *   GET /api/v1/ns/{ref}), test servers may
 * @property {ContainerInfo} [container] what a container or pod node stands for
 */

/**
 * @typedef {object} ContainerInfo the details of a container or pod node
 * @property {string} [id]
 * @property {string} [runtime]
 * @property {string} [name]
 * @property {string} [image]
 * @property {string} [pod]
 * @property {string} [podNamespace]
 * @property {Record<string, string>} [labels]
 * @property {number} [containers] a pod's containers
 * @property {boolean} [truncated]
 */

/**
 * @typedef {object} Meta
 * @property {string} [host]
 * @property {string} [kernel]
 * @property {string} [taken]
 * @property {boolean} [partial]
 * @property {string} [reason]
 * @property {{namespaces?: number, processes?: number, containers?: number, gaps?: number}} [counts]
 * @property {number} [width]
 * @property {number} [height]
 */

/**
 * @typedef {object} SnapshotMsg
 * @property {"snapshot"} type
 * @property {number} seq
 * @property {string} [view]
 * @property {string} [q]
 * @property {string[]} [expand]
 * @property {Meta} [meta]
 * @property {WireNode[]} nodes
 */

/**
 * @typedef {object} PatchMsg
 * @property {"patch"} type
 * @property {number} seq
 * @property {Meta} [meta]
 * @property {WireNode[]} [add]
 * @property {string[]} [born] the IDs in add whose namespace, container or
 *   pod is new on the host; the others only entered the view
 * @property {string[]} [remove]
 * @property {string[]} [ended] the IDs in remove whose namespace, container
 *   or pod ended; the others only left the view
 * @property {WireNode[]} [update]
 * @property {{id: string, procs: number}[]} [counts] member counts alone changed
 * @property {{id: string, x: number, y: number}[]} [move]
 * @property {FoldChange[]} [folded] what started or ended inside folded groups
 */

/**
 * @typedef {object} FoldChange how many of what a folded group holds
 *   started (born, counted in the group after the patch) or ended (in the
 *   group before it)
 * @property {string} id the group node
 * @property {number} [born]
 * @property {number} [ended]
 */

/**
 * @typedef {"appeared" | "ended" | "entered" | "left" | "changed"} ChangeKind
 *   what happened to a node: "appeared" and "ended" when the server says
 *   its namespace, container or pod is new on the host or gone from it;
 *   "entered" and "left" when it only came into or went out of the view
 *   (the filter keeps it now or no longer, a group unfolded or folded) or
 *   when nothing says which
 */

/**
 * @typedef {object} Change one line of the change log
 * @property {ChangeKind} kind
 * @property {"+" | "−" | "←" | "→" | "~"} sign
 * @property {string} id the node; for a count inside a folded group, the group
 * @property {string} text the node's label; for a count inside a folded
 *   group, what was counted ("7 net namespaces")
 * @property {number} t
 * @property {number} [count] set on a count inside a folded group
 * @property {string} [group] with count: the group's label ("+57 net")
 */

/** @type {Record<ChangeKind, Change["sign"]>} */
const SIGNS = { appeared: "+", ended: "−", entered: "←", left: "→", changed: "~" };

/**
 * @param {ChangeKind} kind
 * @param {string} id
 * @param {string} text
 * @param {number} t
 * @returns {Change}
 */
function change(kind, id, text, t) {
  return { kind, sign: SIGNS[kind], id, text, t };
}

/**
 * A count of what started or ended inside a folded group, named as the
 * group counts it: namespaces of its type, containers or pods.
 * @param {"appeared" | "ended"} kind
 * @param {string} id the group
 * @param {WireNode | undefined} g the group node, if the state has it
 * @param {number} n
 * @param {number} t
 * @returns {Change}
 */
function inGroup(kind, id, g, n, t) {
  const one = n === 1;
  let what = one ? "namespace" : "namespaces";
  if (g?.folds === "container") what = one ? "container" : "containers";
  else if (g?.folds === "pod") what = one ? "pod" : "pods";
  else if (g?.type) what = `${g.type} ${what}`;
  else if (!g) what = one ? "member" : "members";
  return { ...change(kind, id, `${n.toLocaleString("en-US")} ${what}`, t), count: n, group: g?.label || id };
}

/** Kinds that tell of the host rather than of the view, first in a busy log. */
const HOST_KINDS = new Set(["appeared", "ended", "changed"]);

/**
 * The lines of one burst of changes the log has room for: what happened on
 * the host (appeared, ended, counts in groups, changed) before what only
 * entered or left the view, so that fifty namespaces coming out of a group
 * that unfolds do not push out the seven that ended in it. The order of
 * changes is kept.
 * @param {Change[]} changes
 * @param {number} max
 * @returns {Change[]}
 */
export function forLog(changes, max) {
  if (changes.length <= max) return changes;
  const host = changes.filter((c) => HOST_KINDS.has(c.kind));
  if (host.length >= max) return host.slice(-max);
  // Then the last lines about the view, as many as there is room for.
  const view = changes.filter((c) => !HOST_KINDS.has(c.kind)).slice(host.length - max);
  const keep = new Set([...host, ...view]);
  return changes.filter((c) => keep.has(c));
}

/**
 * @typedef {object} Ghost a node that vanished, kept for a moment so the
 * renderer can fade it out
 * @property {WireNode} node
 * @property {number} t time of removal
 */

/** How long a new node stays marked, in ms. */
export const BORN_MS = 5000;
/** How long a vanished node fades, in ms. */
export const GHOST_MS = 2500;

/**
 * Result of offering a message to the store.
 * @typedef {"applied" | "gap" | "stale"} ApplyResult
 *   gap: the patch does not follow the last seq, nothing was changed and the
 *   caller must ask again with since; stale: an old, already applied patch.
 */

export class Store {
  constructor() {
    /** @type {Map<string, WireNode>} */
    this.nodes = new Map();
    /** @type {WireNode[]} nodes in pre-order, rebuilt lazily */
    this._order = [];
    this._orderDirty = false;
    /** @type {Map<string, number>} id → time it appeared */
    this.born = new Map();
    /** @type {Ghost[]} */
    this.ghosts = [];
    /** @type {Meta} */
    this.meta = {};
    /** last applied seq, -1 before the first snapshot */
    this.seq = -1;
    /** view, filter and expansion the current data was made for */
    this.key = "";
    /** bumped whenever node geometry or the node set changes */
    this.version = 0;
    /** world bounds of all nodes */
    this.bounds = { x: 0, y: 0, w: 0, h: 0 };
  }

  /** @returns {WireNode[]} the nodes in pre-order (parents first) */
  order() {
    if (this._orderDirty) {
      this._order = preorder(this.nodes);
      this._orderDirty = false;
    }
    return this._order;
  }

  /**
   * Replace the whole tree. When the snapshot is for the same view, filter
   * and expansion as the data it replaces (a resync after a reconnect), the
   * difference is marked and logged like a patch; otherwise (the user asked
   * for another view) it is a silent replacement.
   * @param {SnapshotMsg} msg
   * @param {number} now
   * @returns {Change[]}
   */
  applySnapshot(msg, now) {
    const key = snapshotKey(msg);
    const churn = this.seq >= 0 && key === this.key;
    /** @type {Change[]} */
    const changes = [];
    const next = new Map();
    for (const n of msg.nodes || []) next.set(n.id, n);
    if (churn) {
      // A snapshot does not say whether what it lacks ended, nor whether
      // what it adds is new: they left or entered the view, which is true
      // either way, and nothing is marked new.
      for (const [id, old] of this.nodes) {
        if (!next.has(id)) {
          this.ghosts.push({ node: old, t: now });
          changes.push(change("left", id, old.label, now));
        }
      }
      for (const [id, n] of next) {
        if (!this.nodes.has(id)) changes.push(change("entered", id, n.label, now));
      }
    } else {
      this.born.clear();
      this.ghosts = [];
    }
    this.nodes = next;
    this._orderDirty = true;
    this.seq = msg.seq;
    this.key = key;
    if (msg.meta) this.meta = msg.meta;
    this._touch();
    return changes;
  }

  /**
   * Apply a patch in the protocol's order: remove, add, update, counts,
   * move.
   * @param {PatchMsg} msg
   * @param {number} now
   * @returns {{result: ApplyResult, changes: Change[]}}
   */
  applyPatch(msg, now) {
    if (this.seq < 0 || msg.seq > this.seq + 1) return { result: "gap", changes: [] };
    if (msg.seq <= this.seq) return { result: "stale", changes: [] };
    /** @type {Change[]} */
    const changes = [];
    const ended = new Set(msg.ended || []);
    const born = new Set(msg.born || []);
    const folded = msg.folded || [];
    // What ended in a group is counted in the group as it was.
    for (const f of folded) if (f.ended) changes.push(inGroup("ended", f.id, this.nodes.get(f.id), f.ended, now));
    for (const id of msg.remove || []) {
      const old = this.nodes.get(id);
      if (!old) continue;
      this.nodes.delete(id);
      this.born.delete(id);
      this.ghosts.push({ node: old, t: now });
      changes.push(change(ended.has(id) ? "ended" : "left", id, old.label, now));
    }
    /** @param {WireNode} n a node not in the state before */
    const arrived = (n) => {
      // Only what is new on the host is marked new; the rest (a group
      // unfolded, the filter keeps it now) only entered the view.
      if (born.has(n.id)) {
        this.born.set(n.id, now);
        changes.push(change("appeared", n.id, n.label, now));
      } else changes.push(change("entered", n.id, n.label, now));
    };
    // A group whose count changed because something started or ended in
    // it has its count line below, which says more than "changed".
    const counted = new Set(folded.map((f) => f.id));
    for (const n of msg.add || []) {
      const existed = this.nodes.has(n.id);
      this.nodes.set(n.id, n);
      if (!existed) arrived(n);
    }
    for (const n of msg.update || []) {
      const old = this.nodes.get(n.id);
      this.nodes.set(n.id, n);
      if (!old) arrived(n);
      else if ((old.label !== n.label || old.count !== n.count) && !counted.has(n.id)) {
        changes.push(change("changed", n.id, n.label, now));
      }
    }
    // What started in a group is counted in the group as it is now.
    for (const f of folded) if (f.born) changes.push(inGroup("appeared", f.id, this.nodes.get(f.id), f.born, now));
    for (const c of msg.counts || []) {
      const n = this.nodes.get(c.id);
      if (!n) continue;
      if (n.info) this.nodes.set(c.id, { ...n, info: { ...n.info, procs: c.procs } });
      else if (n.ino) this.nodes.set(c.id, { ...n, procs: c.procs });
    }
    for (const m of msg.move || []) {
      const n = this.nodes.get(m.id);
      if (!n) continue;
      this.nodes.set(m.id, { ...n, x: m.x, y: m.y });
    }
    this.seq = msg.seq;
    if (msg.meta) this.meta = msg.meta;
    this._orderDirty = true;
    this._touch();
    return { result: "applied", changes };
  }

  /**
   * Forget marks that have run out; returns whether any animation is still
   * running, so the renderer knows whether to keep drawing frames.
   * @param {number} now
   * @returns {boolean}
   */
  expire(now) {
    for (const [id, t] of this.born) if (now - t >= BORN_MS) this.born.delete(id);
    if (this.ghosts.length) this.ghosts = this.ghosts.filter((g) => now - g.t < GHOST_MS);
    return this.born.size > 0 || this.ghosts.length > 0;
  }

  _touch() {
    this.version++;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const n of this.nodes.values()) {
      if (n.x < x0) x0 = n.x;
      if (n.y < y0) y0 = n.y;
      if (n.x + n.w > x1) x1 = n.x + n.w;
      if (n.y + n.h > y1) y1 = n.y + n.h;
    }
    this.bounds = x0 === Infinity ? { x: 0, y: 0, w: 0, h: 0 } : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }
}

/**
 * The identity of what a snapshot shows, to tell a resync from a new view.
 * @param {{view?: string, group?: string, q?: string, expand?: string[]}} m
 * @returns {string} JSON of [view, q, expand, group]
 */
export function snapshotKey(m) {
  return JSON.stringify([m.view || "owner", m.q || "", [...(m.expand || [])].sort(), m.group || "container"]);
}

/**
 * Nodes in pre-order: parents before children, siblings by position, so
 * that keyboard navigation and the drawing order follow the picture. Nodes
 * whose parent is unknown count as roots.
 * @param {Map<string, WireNode>} nodes
 * @returns {WireNode[]}
 */
export function preorder(nodes) {
  /** @type {Map<string, WireNode[]>} */
  const kids = new Map();
  /** @type {WireNode[]} */
  const roots = [];
  for (const n of nodes.values()) {
    if (n.parent && nodes.has(n.parent) && n.parent !== n.id) {
      let k = kids.get(n.parent);
      if (!k) kids.set(n.parent, (k = []));
      k.push(n);
    } else roots.push(n);
  }
  /** @param {WireNode} a @param {WireNode} b */
  const byPos = (a, b) => a.y - b.y || a.x - b.x || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  /** @type {WireNode[]} */
  const out = [];
  const seen = new Set();
  /** @type {WireNode[]} */
  const stack = roots.sort(byPos).reverse();
  while (stack.length) {
    const n = /** @type {WireNode} */ (stack.pop());
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    out.push(n);
    const k = kids.get(n.id);
    if (k) {
      k.sort(byPos);
      for (let i = k.length - 1; i >= 0; i--) stack.push(k[i]);
    }
  }
  // A parent cycle (bad input) leaves nodes unreached: keep them rather
  // than dropping them silently.
  if (out.length < nodes.size) for (const n of nodes.values()) if (!seen.has(n.id)) out.push(n);
  return out;
}
