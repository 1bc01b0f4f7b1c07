// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { foldedAway } from "./keepsel.js";
import { trail } from "./walk.js";

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
/**
 * A group node with an ID no browser could compose: the page must find it
 * by its fields (parent, folds, type), as the server sends them.
 * @param {string} id
 * @param {string} parent
 * @param {"file" | "dir" | "container" | "pod"} folds
 * @param {string} [type]
 * @returns {WireNode}
 */
const group = (id, parent, folds, type = "") => ({ ...node(id, "group", parent, type), folds });
const dirs = group("fold-7", "ns:1", "dir", "user");
const ctrs = group("fold-8", "ns:1", "container");

test("foldedAway names the group that now hides a selection that was on screen", () => {
  /** @type {{name: string, sel: string, after: WireNode[], want: string}[]} */
  const cases = [
    { name: "still shown", sel: "ns:2", after: [root, ...users, net], want: "" },
    { name: "it folded with its siblings", sel: "ns:2", after: [root, dirs], want: "fold-7" },
    { name: "its parent folded", sel: "ns:20", after: [root, dirs], want: "fold-7" },
    { name: "a namespace of a container that folded", sel: "ns:30", after: [root, ...users, ctrs], want: "fold-8" },
    { name: "a file folded by type", sel: "ns:20", after: [root, ...users, group("fold-9", "ns:2", "file", "net")], want: "fold-9" },
    { name: "a group of another type took its siblings", sel: "ns:20", after: [root, ...users, group("fold-9", "ns:2", "file", "mnt")], want: "" },
    { name: "it ended: its parent is still shown", sel: "ns:20", after: [root, ...users], want: "" },
    { name: "it ended while others of another kind folded", sel: "ns:2", after: [root, users[1], ctrs], want: "" },
    // A page that composed "grp:<parent>:dirs" would name this group.
    { name: "an ID in the server's grammar whose fields say otherwise", sel: "ns:2", after: [root, users[1], group("grp:ns:1:dirs", "ns:1", "container")], want: "" },
    { name: "everything left", sel: "ns:20", after: [], want: "" },
    { name: "no selection", sel: "", after: [root, dirs], want: "" },
    { name: "the selection was not on screen", sel: "ns:99", after: [root, dirs], want: "" },
  ];
  for (const c of cases) {
    assert.equal(foldedAway(trail(before, c.sel), map(c.after)), c.want, c.name);
  }
});
