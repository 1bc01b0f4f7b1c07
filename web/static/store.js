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
 * @property {number} x
 * @property {number} y
 * @property {number} w
 * @property {number} h
 * @property {NodeInfo} [info]
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
 * @property {string[]} [remove]
 * @property {string[]} [ended] the IDs in remove whose namespace, container
 *   or pod ended; the others only left the view
 * @property {WireNode[]} [update]
 * @property {{id: string, procs: number}[]} [counts] member counts alone changed
 * @property {{id: string, x: number, y: number}[]} [move]
 */

/**
 * @typedef {"appeared" | "ended" | "left" | "changed"} ChangeKind what
 *   happened to a node: "ended" when the server says its namespace,
 *   container or pod is gone from the host, "left" when it only left the
 *   view (the filter no longer keeps it, it folded into a group) or when
 *   nothing says which
 */

/**
 * @typedef {object} Change one line of the change log
 * @property {ChangeKind} kind
 * @property {"+" | "−" | "→" | "~"} sign
 * @property {string} id
 * @property {string} text
 * @property {number} t
 */

/** @type {Record<ChangeKind, Change["sign"]>} */
const SIGNS = { appeared: "+", ended: "−", left: "→", changed: "~" };

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
      // A snapshot does not say whether what it lacks ended: it left the
      // view, which is true either way.
      for (const [id, old] of this.nodes) {
        if (!next.has(id)) {
          this.ghosts.push({ node: old, t: now });
          changes.push(change("left", id, old.label, now));
        }
      }
      for (const [id, n] of next) {
        if (!this.nodes.has(id)) {
          this.born.set(id, now);
          changes.push(change("appeared", id, n.label, now));
        }
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
    for (const id of msg.remove || []) {
      const old = this.nodes.get(id);
      if (!old) continue;
      this.nodes.delete(id);
      this.born.delete(id);
      this.ghosts.push({ node: old, t: now });
      changes.push(change(ended.has(id) ? "ended" : "left", id, old.label, now));
    }
    for (const n of msg.add || []) {
      const existed = this.nodes.has(n.id);
      this.nodes.set(n.id, n);
      if (!existed) {
        this.born.set(n.id, now);
        changes.push(change("appeared", n.id, n.label, now));
      }
    }
    for (const n of msg.update || []) {
      const old = this.nodes.get(n.id);
      this.nodes.set(n.id, n);
      if (!old) {
        this.born.set(n.id, now);
        changes.push(change("appeared", n.id, n.label, now));
      } else if (old.label !== n.label || old.count !== n.count) {
        changes.push(change("changed", n.id, n.label, now));
      }
    }
    for (const c of msg.counts || []) {
      const n = this.nodes.get(c.id);
      if (!n || !n.info) continue;
      this.nodes.set(c.id, { ...n, info: { ...n.info, procs: c.procs } });
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
