// @ts-check
/**
 * The selection is never folded away (issue 14). A patch may fold the
 * selected namespace, or one of its ancestors, into a group when its
 * siblings pass the fold threshold; the page then asks the server again
 * with that group in the hello's expand and the selection as its reveal
 * (session.js), which opens any other group that hides it, as for a link
 * to a namespace. This module decides when: pure, so it
 * is tested under node --test.
 */
import { groupFinder } from "./walk.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * The group that hides the selection now that the picture is nodes, when
 * it was on screen before (was: its trail then, walk.js trail): the group
 * it or an ancestor folded into. "" when it is still shown, was not shown,
 * or left otherwise (it ended, the filter dropped it: its nearest ancestor
 * is still shown and no group holds it).
 * @param {WireNode[]} was
 * @param {Map<string, WireNode>} nodes
 * @returns {string}
 */
export function foldedAway(was, nodes) {
  const sel = was[0];
  if (!sel || nodes.has(sel.id)) return "";
  const groupOf = groupFinder(nodes);
  for (let i = 0; i < was.length; i++) {
    const n = was[i];
    if (i > 0 && nodes.has(n.id)) return "";
    const g = groupOf(n);
    if (g) return g;
  }
  return "";
}
