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
 * The ID of the group node n folds into when its siblings of its kind fold
 * (docs/protocol.md, Grouping; internal/layout foldsInto): namespaces by
 * type, directories (user namespaces; PID namespaces in the PID view),
 * container and pod nodes apart. "" for a root or a group, which do not
 * fold.
 * @param {WireNode} n
 * @returns {string}
 */
export function foldsInto(n) {
  if (!n.parent) return "";
  switch (n.kind) {
    case "dir": return `grp:${n.parent}:dirs`;
    case "file": return `grp:${n.parent}:${n.type}`;
    case "container": return `grp:${n.parent}:ctr`;
    case "pod": return `grp:${n.parent}:pod`;
    default: return "";
  }
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
    const out = order().find((n) => foldsInto(n) === lost.id);
    if (out) return out.id;
  }
  for (let i = 0; i < was.length; i++) {
    const n = was[i];
    if (i > 0 && nodes.has(n.id)) return n.id;
    const g = foldsInto(n);
    if (g && nodes.has(g)) return g;
  }
  return "";
}
