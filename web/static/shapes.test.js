// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { elbow, orientation, edgeBounds, markerOf, markerPoints, foldedBoxes, TYPES, MARKERS } from "./shapes.js";

test("elbow joins the right sides for each layout direction", () => {
  const p = { x: 0, y: 0, w: 100, h: 20 };
  assert.deepEqual(elbow(p, { x: 140, y: 60, w: 100, h: 20 }, "lr"), [100, 10, 120, 10, 120, 70, 140, 70], "left-right");
  assert.deepEqual(elbow(p, { x: 140, y: 60, w: 100, h: 20 }, "td"), [50, 20, 50, 40, 190, 40, 190, 60], "top-down, child to the right");
  assert.deepEqual(elbow(p, { x: 20, y: 40, w: 100, h: 20 }, "lr"), [10, 20, 10, 50, 20, 50], "indented");
  assert.deepEqual(elbow(p, { x: -200, y: 60, w: 100, h: 20 }, "td"), [50, 20, 50, 40, -150, 40, -150, 60], "top-down");
  // The server's gaps: a child one layer gap (48) below, and one in a
  // wrapped row further down, which hangs off the trunk at the parent's left.
  const q = { x: 0, y: 0, w: 100, h: 24 };
  assert.deepEqual(elbow(q, { x: 124, y: 72, w: 60, h: 24 }, "td"), [50, 24, 50, 48, 154, 48, 154, 72], "first row: bus half a gap above");
  assert.deepEqual(elbow(q, { x: 24, y: 144, w: 60, h: 24 }, "td"), [12, 24, 12, 120, 54, 120, 54, 144], "wrapped row: from the trunk");
  assert.deepEqual(elbow(q, { x: 300, y: 36, w: 60, h: 24 }, "lr"), [100, 12, 276, 12, 276, 48, 300, 48], "left-right: turns half a gap before the child");
  assert.equal(elbow(p, { x: 10, y: 5, w: 10, h: 10 }).length, 4, "overlap: straight line");
  assert.equal(elbow(p, { x: 10, y: -50, w: 10, h: 10 }, "td").length, 4, "against the direction: straight line");
});

test("orientation is voted by the parent–child pairs", () => {
  const m = new Map([
    ["r", { x: 500, y: 0, w: 100, h: 20 }],
    ["a", { x: 0, y: 60, w: 100, h: 20, parent: "r" }],
    ["b", { x: 700, y: 60, w: 100, h: 20, parent: "r" }],
  ]);
  assert.equal(orientation(m.values(), (id) => m.get(id)), "td");
  const l = new Map([
    ["r", { x: 0, y: 100, w: 100, h: 20 }],
    ["a", { x: 150, y: 0, w: 100, h: 20, parent: "r" }],
    ["b", { x: 150, y: 100, w: 100, h: 20, parent: "r" }],
    ["c", { x: 150, y: 200, w: 100, h: 20, parent: "r" }],
  ]);
  assert.equal(orientation(l.values(), (id) => l.get(id)), "lr");
  assert.equal(orientation([], () => undefined), "td");
});

test("every point of an elbow lies inside its bounds", () => {
  const p = { x: 50, y: 0, w: 100, h: 20 };
  for (const c of [{ x: 200, y: -300, w: 80, h: 20 }, { x: -300, y: 200, w: 80, h: 20 }, { x: 60, y: 30, w: 80, h: 20 }]) {
    const b = edgeBounds(p, c);
    const pts = elbow(p, c, "lr");
    for (let i = 0; i < pts.length; i += 2) {
      assert.ok(pts[i] >= b.x && pts[i] <= b.x + b.w && pts[i + 1] >= b.y && pts[i + 1] <= b.y + b.h);
    }
  }
});

test("each namespace type has its own marker shape", () => {
  const shapes = TYPES.map(markerOf);
  assert.equal(new Set(shapes).size, TYPES.length);
  assert.equal(markerOf("bogus"), "dot");
  for (const t of TYPES) {
    const m = MARKERS[t];
    const pts = markerPoints(m, 0, 0, 10);
    if (m === "circle" || m === "ring") assert.deepEqual(pts, []);
    else {
      assert.ok(pts.length >= 6 && pts.length % 2 === 0, m);
      for (let i = 0; i < pts.length; i += 2) assert.ok(Math.hypot(pts[i], pts[i + 1]) <= 10 * Math.SQRT2 + 1e-9, m);
    }
  }
});

test("foldedBoxes tells groups of containers and pods from groups of namespaces", () => {
  // By the group's folds field, never its ID: the last two IDs end as the
  // server's groups of pods and containers do, and fold namespaces.
  for (const [n, want] of /** @type {[{id: string, kind: string, type: string, folds?: string}, string][]} */ ([
    [{ id: "g-1", kind: "group", type: "", folds: "container" }, "container"],
    [{ id: "g-2", kind: "group", type: "", folds: "pod" }, "pod"],
    [{ id: "grp:ns:1:net", kind: "group", type: "net", folds: "file" }, ""],
    [{ id: "grp:ns:1:dirs", kind: "group", type: "user", folds: "dir" }, ""],
    [{ id: "grp:ns:1:pod", kind: "group", type: "pod", folds: "file" }, ""], // a namespace type named pod
    [{ id: "grp:ns:1:ctr", kind: "group", type: "" }, ""], // says nothing of what it folds
    [{ id: "ctr:ns:1:ctr", kind: "container", type: "", folds: "container" }, ""],
  ])) {
    assert.equal(foldedBoxes(n), want, n.id);
  }
});
