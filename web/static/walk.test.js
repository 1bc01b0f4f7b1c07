// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldsInto, trail, refocus } from "./walk.js";
import { preorder } from "./store.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * @param {string} id
 * @param {WireNode["kind"]} kind
 * @param {string | undefined} parent
 * @param {number} x
 * @param {string} [type]
 * @returns {WireNode}
 */
const node = (id, kind, parent, x, type = "") => ({ id, kind, type, label: id, parent, x, y: parent ? 50 : 0, w: 10, h: 10 });

/** @param {WireNode[]} list */
const picture = (list) => {
  const nodes = new Map(list.map((n) => [n.id, n]));
  return { nodes, order: () => preorder(nodes) };
};

const root = node("ns:1", "dir", undefined, 0, "user");
const box = node("ctr:ns:1:b", "container", "ns:1", 100);
const nets = [node("ns:10", "file", "ns:1", 20, "net"), node("ns:11", "file", "ns:1", 40, "net")];
const inBox = node("ns:20", "file", "ctr:ns:1:b", 100, "mnt");

test("foldsInto names the group a node folds into, as the server's IDs do", () => {
  assert.equal(foldsInto(nets[0]), "grp:ns:1:net");
  assert.equal(foldsInto(box), "grp:ns:1:ctr");
  assert.equal(foldsInto(node("pod:ns:1:d/a", "pod", "ns:1", 0)), "grp:ns:1:pod");
  assert.equal(foldsInto(inBox), "grp:ctr:ns:1:b:mnt");
  assert.equal(foldsInto(root), "", "a root folds nowhere");
  assert.equal(foldsInto(node("grp:ns:1:net", "group", "ns:1", 0, "net")), "");
});

test("a group that opened hands the walk to the first node that came out of it", () => {
  const group = node("grp:ns:1:net", "group", "ns:1", 20, "net");
  const before = picture([root, group, box]);
  const was = trail(before.nodes, group.id);
  assert.deepEqual(was.map((n) => n.id), ["grp:ns:1:net", "ns:1"]);
  // Out of order in the map: the first in tree order wins.
  const after = picture([root, box, nets[1], nets[0]]);
  assert.equal(refocus(was, after.nodes, after.order), "ns:10");
  // Nothing came out (a filter took it all): the nearest ancestor left.
  const bare = picture([root, box]);
  assert.equal(refocus(was, bare.nodes, bare.order), "ns:1");
});

test("a node that folded away hands the walk to the group that holds it, however deep", () => {
  const before = picture([root, ...nets, box, inBox]);
  const folded = picture([root, node("grp:ns:1:net", "group", "ns:1", 20, "net"), box, inBox]);
  assert.equal(refocus(trail(before.nodes, "ns:11"), folded.nodes, folded.order), "grp:ns:1:net");
  // Its container folded with the others: the group of containers.
  const boxes = picture([root, ...nets, node("grp:ns:1:ctr", "group", "ns:1", 100)]);
  assert.equal(refocus(trail(before.nodes, "ns:20"), boxes.nodes, boxes.order), "grp:ns:1:ctr");
  // Gone with no group for it: its parent.
  const gone = picture([root, nets[0], box]);
  assert.equal(refocus(trail(before.nodes, "ns:20"), gone.nodes, gone.order), "ctr:ns:1:b");
  // Still there: it stays.
  assert.equal(refocus(trail(before.nodes, "ns:10"), gone.nodes, gone.order), "ns:10");
  // Nothing of it left, or nothing focused.
  assert.equal(refocus(trail(before.nodes, "ns:10"), new Map(), () => []), "");
  assert.equal(refocus([], gone.nodes, gone.order), "");
});

test("trail stops at a parent cycle", () => {
  const a = node("a", "file", "b", 0, "net");
  const b = node("b", "file", "a", 0, "net");
  assert.ok(trail(new Map([["a", a], ["b", b]]), "a").length <= 256);
  assert.deepEqual(trail(new Map(), "x"), []);
});
