// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { fit, pan, zoomAt, toScreen, toWorld, visibleRect, reveal, parseCamera, formatCamera, MAX_SCALE, MIN_SCALE } from "./camera.js";

/** @param {number} a @param {number} b */
const near = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test("screen and world are inverse", () => {
  const c = { scale: 0.37, x: 12, y: -40 };
  for (const [x, y] of [[0, 0], [100, -3], [-5000, 7e5]]) {
    const s = toScreen(c, x, y);
    const w = toWorld(c, s.x, s.y);
    near(w.x, x);
    near(w.y, y);
  }
});

test("zoomAt keeps the point under the cursor still and clamps", () => {
  const c = { scale: 1, x: 30, y: 40 };
  const before = toWorld(c, 200, 150);
  const z = zoomAt(c, 2.5, 200, 150);
  near(z.scale, 2.5);
  const after = toWorld(z, 200, 150);
  near(after.x, before.x);
  near(after.y, before.y);
  assert.equal(zoomAt(c, 1e9, 0, 0).scale, MAX_SCALE);
  assert.equal(zoomAt(c, 1e-9, 0, 0).scale, MIN_SCALE);
});

test("pan moves by screen pixels", () => {
  assert.deepEqual(pan({ scale: 2, x: 1, y: 2 }, 10, -5), { scale: 2, x: 11, y: -3 });
});

test("fit centres the world, never magnifies past 1:1", () => {
  const big = fit({ x: 100, y: 0, w: 10000, h: 500 }, 1000, 600, 0);
  near(big.scale, 0.1);
  const v = visibleRect(big, 1000, 600);
  near(v.x, 100);
  near(v.y + v.h / 2, 250);
  const small = fit({ x: 0, y: 0, w: 100, h: 50 }, 1000, 600);
  assert.equal(small.scale, 1);
  near(small.x, 450);
  near(small.y, 275);
  assert.equal(fit({ x: 0, y: 0, w: 0, h: 0 }, 100, 100).scale, 1);
});

test("reveal pans just enough to show a rectangle", () => {
  const c = { scale: 1, x: 0, y: 0 };
  assert.deepEqual(reveal(c, { x: 10, y: 10, w: 5, h: 5 }, 100, 100, 5), c, "already visible");
  const r = reveal(c, { x: 300, y: -50, w: 20, h: 10 }, 100, 100, 5);
  assert.deepEqual(r, { scale: 1, x: -225, y: 55 });
});

test("camera round-trips through text and rejects junk", () => {
  assert.deepEqual(parseCamera(formatCamera({ scale: 0.123456, x: 10.4, y: -3.6 })), { scale: 0.1235, x: 10, y: -4 });
  for (const bad of ["", "1,2", "a,b,c", "1,2,0", "1,2,-1"]) assert.equal(parseCamera(bad), null, bad);
});
