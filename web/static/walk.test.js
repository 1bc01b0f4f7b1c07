// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldsInto, groupFinder, trail, refocus } from "./walk.js";
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

/**
 * A group node with an ID no browser could compose: the page must find it
 * by its fields (parent, folds, type), as the server sends them.
 * @param {string} id
 * @param {string} parent
 * @param {"file" | "dir" | "container" | "pod"} folds
 * @param {string} [type]
 * @returns {WireNode}
 */
const group = (id, parent, folds, type = "") => ({ ...node(id, "group", parent, 20, type), folds });
const netGroup = group("g-1", "ns:1", "file", "net");

test("foldsInto matches a node to its group by parent, what the group folds and type", () => {
  const pod = node("pod:ns:1:d/a", "pod", "ns:1", 0);
  const user = node("ns:2", "dir", "ns:1", 0, "user");
  /** @type {[WireNode, WireNode, boolean, string][]} */
  const cases = [
    [nets[0], netGroup, true, "a file into the group of its type"],
    [nets[0], group("g-2", "ns:1", "file", "mnt"), false, "not into another type's"],
    [nets[0], group("g-3", "ns:2", "file", "net"), false, "not into another parent's"],
    [box, group("g-4", "ns:1", "container"), true, "a container into the group of containers"],
    [box, group("g-5", "ns:1", "pod"), false, "not into the group of pods"],
    [pod, group("g-5", "ns:1", "pod"), true, "a pod into the group of pods"],
    [inBox, group("g-6", "ctr:ns:1:b", "file", "mnt"), true, "a file of a container into a group in it"],
    [user, group("g-7", "ns:1", "dir", "user"), true, "a directory into the group of directories"],
    [user, group("g-8", "ns:1", "file", "user"), false, "not into a group of files of its type"],
    [root, group("g-9", "", "dir", "user"), false, "a root folds nowhere"],
    [netGroup, netGroup, false, "a group folds nowhere"],
    [nets[0], { ...node("grp:ns:1:net", "group", "ns:1", 0, "net") }, false, "a group that does not say what it folds holds nothing, whatever its ID"],
  ];
  for (const [n, g, want, name] of cases) assert.equal(foldsInto(n, g), want, name);
});

test("groupFinder finds the group in the picture that holds a node", () => {
  const { nodes } = picture([root, netGroup, group("g-4", "ns:1", "container"), group("g-6", "ctr:ns:1:b", "file", "mnt")]);
  const groupOf = groupFinder(nodes);
  assert.equal(groupOf(nets[1]), "g-1");
  assert.equal(groupOf(box), "g-4");
  assert.equal(groupOf(inBox), "g-6");
  assert.equal(groupOf(node("ns:12", "file", "ns:1", 0, "uts")), "", "no group of its type");
  assert.equal(groupOf(root), "");
});

test("a group that opened hands the walk to the first node that came out of it", () => {
  const before = picture([root, netGroup, box]);
  const was = trail(before.nodes, netGroup.id);
  assert.deepEqual(was.map((n) => n.id), ["g-1", "ns:1"]);
  // Out of order in the map: the first in tree order wins.
  const after = picture([root, box, nets[1], nets[0]]);
  assert.equal(refocus(was, after.nodes, after.order), "ns:10");
  // Nothing came out (a filter took it all): the nearest ancestor left.
  const bare = picture([root, box]);
  assert.equal(refocus(was, bare.nodes, bare.order), "ns:1");
});

test("a node that folded away hands the walk to the group that holds it, however deep", () => {
  const before = picture([root, ...nets, box, inBox]);
  const folded = picture([root, netGroup, box, inBox]);
  assert.equal(refocus(trail(before.nodes, "ns:11"), folded.nodes, folded.order), "g-1");
  // Its container folded with the others: the group of containers.
  const boxes = picture([root, ...nets, group("g-4", "ns:1", "container")]);
  assert.equal(refocus(trail(before.nodes, "ns:20"), boxes.nodes, boxes.order), "g-4");
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
