// @ts-check
/**
 * Where the keyboard's place in the tree goes when the picture changes
 * under it. The Tab walk is on one node, by ID; when a snapshot or a patch
 * takes that node away, the walk moves to where the node went rather than
 * back to the root: to the first node that came out of a group that
 * opened, to the group that now holds a node that folded, else to its
 * nearest ancestor still shown. Pure, so it is tested under node --test.
 */

/** @typedef {import("./store.js").WireNode} WireNode */

/** Bound on a trail, against a parent cycle in bad input. */
const MAX_DEPTH = 256;

/**
 * Whether g is the group that n folds into when its siblings of its kind
 * fold (docs/protocol.md, Grouping): a group in n's parent that folds n's
 * kind (namespaces by type, directories, container or pod nodes). It reads
 * the group's fields, never its ID: the grammar of IDs is the server's.
 * False for a root or a group, which do not fold.
 * @param {WireNode} n
 * @param {WireNode} g
 * @returns {boolean}
 */
export function foldsInto(n, g) {
  return g.kind === "group" && !!n.parent && g.parent === n.parent && n.kind !== "group" &&
    g.folds === n.kind && (n.kind !== "file" || g.type === n.type);
}

/**
 * The finder of the group that holds a node in the picture nodes: the ID
 * of the group node n folds into, if the picture has it, else "". The
 * groups are indexed by parent on the first question, so that a trail
 * costs one pass over the picture.
 * @param {Map<string, WireNode>} nodes
 * @returns {(n: WireNode) => string}
 */
export function groupFinder(nodes) {
  /** @type {Map<string, WireNode[]> | undefined} */
  let byParent;
  return (n) => {
    if (!n.parent || n.kind === "group") return "";
    if (!byParent) {
      byParent = new Map();
      for (const g of nodes.values()) {
        if (g.kind !== "group" || !g.parent) continue;
        const list = byParent.get(g.parent);
        if (list) list.push(g);
        else byParent.set(g.parent, [g]);
      }
    }
    const g = (byParent.get(n.parent) || []).find((g) => foldsInto(n, g));
    return g ? g.id : "";
  };
}

/**
 * Node id and its ancestors, nearest first: what to remember of the
 * focused node before the picture changes.
 * @param {Map<string, WireNode>} nodes
 * @param {string} id
 * @returns {WireNode[]}
 */
export function trail(nodes, id) {
  /** @type {WireNode[]} */
  const out = [];
  for (let n = nodes.get(id); n && out.length < MAX_DEPTH; n = n.parent ? nodes.get(n.parent) : undefined) out.push(n);
  return out;
}

/**
 * Where the walk goes now that the picture is nodes, when it was on
 * was[0] (a trail of the picture before): there, when it is still shown;
 * the first node in tree order that came out of it, when it was a group
 * that opened; the group that holds it or its nearest ancestor, when it
 * folded away or left; "" when nothing of the trail is left.
 * @param {WireNode[]} was
 * @param {Map<string, WireNode>} nodes
 * @param {() => WireNode[]} order the nodes in tree order, asked only when needed
 * @returns {string}
 */
export function refocus(was, nodes, order) {
  const lost = was[0];
  if (!lost) return "";
  if (nodes.has(lost.id)) return lost.id;
  if (lost.kind === "group") {
    // Its members are shown only while it is not: all of them came out of it.
    const out = order().find((n) => foldsInto(n, lost));
    if (out) return out.id;
  }
  const groupOf = groupFinder(nodes);
  for (let i = 0; i < was.length; i++) {
    const n = was[i];
    if (i > 0 && nodes.has(n.id)) return n.id;
    const g = groupOf(n);
    if (g) return g;
  }
  return "";
}
