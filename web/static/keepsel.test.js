// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldedAway } from "./keepsel.js";
import { foldsInto, trail } from "./walk.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * @param {string} id
 * @param {WireNode["kind"]} kind
 * @param {string | undefined} parent
 * @param {string} [type]
 * @returns {WireNode}
 */
const node = (id, kind, parent, type = "") => ({ id, kind, type, label: id, parent, x: 0, y: parent ? 50 : 0, w: 10, h: 10 });
/** @param {WireNode[]} list */
const map = (list) => new Map(list.map((n) => [n.id, n]));

const root = node("ns:1", "dir", undefined, "user");
const users = [node("ns:2", "dir", "ns:1", "user"), node("ns:3", "dir", "ns:1", "user")];
const net = node("ns:20", "file", "ns:2", "net");
const box = node("ctr:ns:1:b", "container", "ns:1");
const inBox = node("ns:30", "file", "ctr:ns:1:b", "mnt");
const before = map([root, ...users, net, box, inBox]);
/** @param {string} parent @param {string} what */
const group = (parent, what) => node(`grp:${parent}:${what}`, "group", parent, what);

test("foldsInto folds user namespaces into the parent's dirs group, as the server does", () => {
  assert.equal(foldsInto(users[0]), "grp:ns:1:dirs");
  assert.equal(foldsInto(root), "");
});

test("foldedAway names the group that now hides a selection that was on screen", () => {
  /** @type {{name: string, sel: string, after: WireNode[], want: string}[]} */
  const cases = [
    { name: "still shown", sel: "ns:2", after: [root, ...users, net], want: "" },
    { name: "it folded with its siblings", sel: "ns:2", after: [root, group("ns:1", "dirs")], want: "grp:ns:1:dirs" },
    { name: "its parent folded", sel: "ns:20", after: [root, group("ns:1", "dirs")], want: "grp:ns:1:dirs" },
    { name: "a namespace of a container that folded", sel: "ns:30", after: [root, ...users, group("ns:1", "ctr")], want: "grp:ns:1:ctr" },
    { name: "a file folded by type", sel: "ns:20", after: [root, ...users, group("ns:2", "net")], want: "grp:ns:2:net" },
    { name: "it ended: its parent is still shown", sel: "ns:20", after: [root, ...users], want: "" },
    { name: "it ended while others of another kind folded", sel: "ns:2", after: [root, users[1], group("ns:1", "ctr")], want: "" },
    { name: "everything left", sel: "ns:20", after: [], want: "" },
    { name: "no selection", sel: "", after: [root, group("ns:1", "dirs")], want: "" },
    { name: "the selection was not on screen", sel: "ns:99", after: [root, group("ns:1", "dirs")], want: "" },
  ];
  for (const c of cases) {
    assert.equal(foldedAway(trail(before, c.sel), map(c.after)), c.want, c.name);
  }
});
