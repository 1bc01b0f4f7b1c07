// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { Store, preorder, BORN_MS, GHOST_MS } from "./store.js";

/**
 * @param {string} id
 * @param {string} [parent]
 * @param {number} [y]
 * @returns {import("./store.js").WireNode}
 */
function node(id, parent, y = 0) {
  return { id, kind: "file", type: "net", label: `net ${id}`, parent, x: 0, y, w: 100, h: 20 };
}

/** @param {number} seq @param {import("./store.js").WireNode[]} nodes @param {string} [q] */
function snap(seq, nodes, q = "") {
  return /** @type {import("./store.js").SnapshotMsg} */ ({ type: "snapshot", seq, view: "owner", q, expand: [], nodes });
}

test("patches apply in order remove, add, update, move", () => {
  const s = new Store();
  s.applySnapshot(snap(5, [node("a"), node("b", "a", 30), node("c", "a", 60)]), 0);
  const r = s.applyPatch(
    {
      type: "patch",
      seq: 6,
      remove: ["b", "missing"],
      add: [node("d", "a", 90), node("b", "a", 30)],
      born: ["d", "b"],
      update: [{ ...node("c", "a", 60), label: "net c · nginx" }],
      move: [{ id: "d", x: 5, y: 120 }, { id: "gone", x: 1, y: 1 }],
    },
    1000,
  );
  assert.equal(r.result, "applied");
  assert.equal(s.seq, 6);
  assert.deepEqual([...s.nodes.keys()].sort(), ["a", "b", "c", "d"]);
  assert.equal(s.nodes.get("c")?.label, "net c · nginx");
  assert.deepEqual([s.nodes.get("d")?.x, s.nodes.get("d")?.y], [5, 120]);
  // b was removed and re-added in one patch: it is new again and its old box fades.
  assert.ok(s.born.has("b") && s.born.has("d"));
  assert.deepEqual(s.ghosts.map((g) => g.node.id), ["b"]);
  assert.deepEqual(r.changes.map((c) => c.sign + c.id), ["→b", "+d", "+b", "~c"]);
  assert.deepEqual(s.bounds, { x: 0, y: 0, w: 105, h: 140 });
});

test("a removal is logged as ended only when the patch says so; otherwise it left the view", () => {
  const s = new Store();
  // A filter held:bindmount: the host's user namespace is there as the
  // owner of a bind-mounted netns. The netns is deleted: it ended, and its
  // owner, alive, leaves the view with it.
  s.applySnapshot(snap(1, [node("ns:1"), node("ns:9", "ns:1", 30), node("ns:7", "ns:1", 60)], "held:bindmount"), 0);
  const r = s.applyPatch({ type: "patch", seq: 2, remove: ["ns:1", "ns:9", "ns:7"], ended: ["ns:9", "ns:gone"] }, 10);
  assert.equal(r.result, "applied");
  assert.deepEqual(r.changes.map((c) => `${c.kind} ${c.sign} ${c.id}`), ["left → ns:1", "ended − ns:9", "left → ns:7"]);
  assert.equal(s.nodes.size, 0);
  assert.deepEqual(s.ghosts.map((g) => g.node.id), ["ns:1", "ns:9", "ns:7"], "both fade out");
});

/**
 * @param {string} id
 * @param {number} count
 * @param {string} [type]
 * @returns {import("./store.js").WireNode}
 */
function group(id, count, type = "net") {
  const folds = type ? "file" : "container";
  return { id, kind: "group", type, folds, label: `+${count} ${type || "containers"}`, count, parent: "ns:1", x: 0, y: 30, w: 100, h: 20 };
}

test("only what the patch says was born appeared and is marked new; the rest entered the view", () => {
  // The reviewer's host: 57 net namespaces, the host's own among them,
  // folded; 7 are deleted and the 50 left unfold. None of them is new.
  const s = new Store();
  s.applySnapshot(snap(1, [node("ns:1"), group("grp:ns:1:net", 57)]), 0);
  const survivors = Array.from({ length: 50 }, (_, i) => node(`ns:${100 + i}`, "ns:1", 30));
  const r = s.applyPatch(
    { type: "patch", seq: 2, remove: ["grp:ns:1:net"], add: [...survivors, node("ns:999", "ns:1", 60)], born: ["ns:999"], folded: [{ id: "grp:ns:1:net", ended: 7 }] },
    10,
  );
  assert.equal(r.result, "applied");
  assert.deepEqual([...s.born.keys()], ["ns:999"], "only the new one is marked new");
  const kinds = r.changes.map((c) => `${c.kind} ${c.text}${c.group ? ` in ${c.group}` : ""}`);
  assert.deepEqual(kinds.slice(0, 2), ["ended 7 net namespaces in +57 net", "left +57 net"]);
  assert.deepEqual(kinds.filter((k) => k.startsWith("appeared")), ["appeared net ns:999"]);
  assert.equal(kinds.filter((k) => k.startsWith("entered")).length, 50);
  assert.equal(r.changes[0].count, 7);
  assert.equal(r.changes[0].sign, "−");
  assert.equal(r.changes.find((c) => c.id === "ns:100")?.sign, "←");
});

test("what starts or ends inside a folded group is counted in it, in place of a changed line", () => {
  const s = new Store();
  // Groups named as no page could guess: it reads what they fold from their fields.
  s.applySnapshot(snap(1, [node("ns:1"), group("g-1", 60, ""), group("grp:ns:1:net", 51)]), 0);
  const r = s.applyPatch(
    {
      type: "patch",
      seq: 2,
      update: [group("g-1", 61, ""), group("grp:ns:1:net", 52)],
      folded: [{ id: "g-1", born: 2, ended: 1 }, { id: "grp:ns:1:net", born: 1 }],
    },
    10,
  );
  assert.deepEqual(r.changes.map((c) => `${c.sign} ${c.text} in ${c.group}`), [
    "− 1 container in +60 containers",
    "+ 2 containers in +61 containers",
    "+ 1 net namespace in +52 net",
  ]);
  assert.equal(s.born.size, 0, "a group is not new");
  const moved = s.applyPatch({ type: "patch", seq: 3, update: [group("grp:ns:1:net", 53)] }, 20);
  assert.deepEqual(moved.changes.map((c) => `${c.kind} ${c.id}`), ["changed grp:ns:1:net"], "a count that nothing explains changed");
  const pods = s.applyPatch({ type: "patch", seq: 4, folded: [{ id: "grp:ns:1:pod", ended: 1000 }] }, 30);
  assert.deepEqual(pods.changes.map((c) => `${c.text} in ${c.group}`), ["1,000 members in grp:ns:1:pod"], "a group the state lacks is named by its ID, its members by no kind");
});

test("forLog keeps what happened on the host before what only entered or left the view", async () => {
  const { forLog } = await import("./store.js");
  /** @type {import("./store.js").Change[]} */
  const changes = [];
  /** @param {import("./store.js").ChangeKind} kind @param {string} id */
  const add = (kind, id) => changes.push({ kind, sign: "~", id, text: id, t: 0 });
  add("ended", "e");
  add("left", "g");
  for (let i = 0; i < 5; i++) add("entered", `n${i}`);
  add("appeared", "a");
  assert.deepEqual(forLog(changes, 10).map((c) => c.id), changes.map((c) => c.id), "all when there is room");
  assert.deepEqual(forLog(changes, 4).map((c) => c.id), ["e", "n3", "n4", "a"], "in order, the host first, then the newest of the view");
  assert.deepEqual(forLog(changes, 1).map((c) => c.id), ["a"]);
});

test("a seq gap changes nothing and asks for a resync; old patches are ignored", () => {
  const s = new Store();
  assert.equal(s.applyPatch({ type: "patch", seq: 1, add: [node("x")] }, 0).result, "gap", "patch before snapshot");
  s.applySnapshot(snap(10, [node("a")]), 0);
  const v = s.version;
  assert.equal(s.applyPatch({ type: "patch", seq: 12, add: [node("x")] }, 0).result, "gap");
  assert.equal(s.applyPatch({ type: "patch", seq: 10, add: [node("x")] }, 0).result, "stale");
  assert.equal(s.version, v);
  assert.equal(s.nodes.has("x"), false);
  assert.equal(s.seq, 10);
  assert.equal(s.applyPatch({ type: "patch", seq: 11, add: [node("x")] }, 0).result, "applied");
  assert.equal(s.nodes.has("x"), true);
});

test("a resync snapshot of the same view logs churn; a new view does not", () => {
  const s = new Store();
  s.applySnapshot(snap(1, [node("a"), node("b")]), 0);
  assert.equal(s.born.size, 0, "first snapshot marks nothing");
  const ch = s.applySnapshot(snap(7, [node("a"), node("c")]), 50);
  assert.deepEqual(ch.map((c) => c.kind + " " + c.id).sort(), ["entered c", "left b"], "a snapshot cannot say b ended nor c is new");
  assert.equal(s.born.size, 0, "nor mark c new");
  const ch2 = s.applySnapshot(snap(1, [node("z")], "type:net"), 60);
  assert.deepEqual(ch2, []);
  assert.equal(s.born.size, 0);
  assert.equal(s.ghosts.length, 0);
});

test("marks expire", () => {
  const s = new Store();
  s.applySnapshot(snap(1, [node("a")]), 0);
  s.applyPatch({ type: "patch", seq: 2, add: [node("b")], born: ["b"], remove: ["a"] }, 1000);
  assert.equal(s.expire(1000 + Math.min(BORN_MS, GHOST_MS) - 1), true);
  assert.equal(s.expire(1000 + Math.max(BORN_MS, GHOST_MS)), false);
  assert.equal(s.born.size + s.ghosts.length, 0);
});

test("preorder puts parents first, siblings by position, and keeps orphans and cycles", () => {
  const m = new Map();
  for (const n of [node("c2", "r", 50), node("r"), node("c1", "r", 20), node("g", "c1", 30), node("o", "nobody", 5), { ...node("x", "y"), y: 900 }, { ...node("y", "x"), y: 901 }]) m.set(n.id, n);
  assert.deepEqual(preorder(m).map((n) => n.id), ["r", "c1", "g", "c2", "o", "x", "y"]);
});

test("counts set a namespace's member count and keep the rest of its details", () => {
  const s = new Store();
  const withInfo = { ...node("a"), info: { inode: 7, procs: 3, sample: [{ pid: 1, comm: "init", uid: 0 }] } };
  s.applySnapshot(snap(1, [withInfo, node("b")]), 0);
  const before = s.nodes.get("a");
  const r = s.applyPatch(
    { type: "patch", seq: 2, counts: [{ id: "a", procs: 4 }, { id: "b", procs: 9 }, { id: "gone", procs: 1 }], move: [{ id: "a", x: 5, y: 0 }] },
    0,
  );
  assert.equal(r.result, "applied");
  const a = s.nodes.get("a");
  assert.equal(a?.info?.procs, 4);
  assert.deepEqual(a?.info?.sample, withInfo.info.sample);
  assert.equal(a?.x, 5, "a count may come with a move of the same node");
  assert.equal(before?.info?.procs, 3, "the old node object is not changed in place");
  assert.equal(s.nodes.get("b")?.info, undefined, "a node without details gets none from a count");
  assert.deepEqual(r.changes, [], "a count is not a change worth a log line");
});

test("snapshotKey tells groupings apart, container being the default", async () => {
  const { snapshotKey } = await import("./store.js");
  assert.equal(snapshotKey({ view: "owner" }), snapshotKey({ view: "owner", group: "container" }));
  assert.notEqual(snapshotKey({ view: "owner", group: "pod" }), snapshotKey({ view: "owner", group: "none" }));
  assert.notEqual(snapshotKey({ view: "owner", group: "pod" }), snapshotKey({ view: "owner" }));
});

test("a count updates the member count of a node without details", () => {
  const s = new Store();
  const n = { id: "a", kind: /** @type {const} */ ("file"), type: "net", label: "net 7", ino: 7, procs: 3, x: 0, y: 0, w: 10, h: 10 };
  s.applySnapshot({ type: "snapshot", seq: 1, nodes: [n, { ...n, id: "g", kind: "group", ino: undefined, procs: undefined }] }, 0);
  s.applyPatch({ type: "patch", seq: 2, counts: [{ id: "a", procs: 4 }, { id: "g", procs: 9 }] }, 1);
  assert.equal(s.nodes.get("a")?.procs, 4);
  assert.equal(s.nodes.get("g")?.procs, undefined, "a group has no members to count");
});
