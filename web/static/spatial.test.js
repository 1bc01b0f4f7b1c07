// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { Grid } from "./spatial.js";

/** @param {number} n */
function boxes(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push({ id: `n${i}`, x: (i % 100) * 150, y: Math.floor(i / 100) * 40, w: 140, h: 28 });
  return out;
}

test("query finds exactly the overlapping boxes, each once", () => {
  const items = boxes(2000);
  const g = new Grid(items);
  for (const [x, y, w, h] of [[0, 0, 10, 10], [140, 0, 20, 30], [1000, 300, 900, 500], [-500, -500, 100, 100], [-1, -1, 1e6, 1e6]]) {
    const want = items.filter((b) => b.x < x + w && x < b.x + b.w && b.y < y + h && y < b.y + b.h).map((b) => b.id).sort();
    const got = g.query(x, y, w, h).map((b) => b.id).sort();
    assert.deepEqual(got, want, `${x},${y},${w},${h}`);
  }
});

test("hit finds the box under a point, with slop for tiny boxes, and the topmost on overlap", () => {
  const items = [...boxes(300), { id: "top", x: 10, y: 5, w: 20, h: 10 }];
  const g = new Grid(items);
  assert.equal(g.hit(75, 14)?.id, "n0");
  assert.equal(g.hit(145, 14), null, "gap between boxes");
  assert.equal(g.hit(143, 14, 6)?.id, "n0", "within slop of n0, nearer than n1");
  assert.equal(g.hit(15, 10)?.id, "top");
  assert.equal(g.hit(-100, -100, 5), null);
});

test("an empty grid answers nothing", () => {
  const g = new Grid([]);
  assert.deepEqual(g.query(0, 0, 100, 100), []);
  assert.equal(g.hit(1, 1, 10), null);
});
