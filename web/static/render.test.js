// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { Renderer } from "./render.js";

/**
 * A 2D context that records the outlines it is asked to stroke: each
 * roundRect with the stroke style in force when it was stroked, and every
 * arc (type markers are arcs or polygons on the box's left edge).
 */
function recorder() {
  /** @type {{x: number, y: number, w: number, h: number, r: number}[]} */
  let path = [];
  const log = {
    /** @type {{x: number, y: number, w: number, h: number, r: number, stroke: string}[]} */
    stroked: [],
    arcs: 0,
    polys: 0,
  };
  const ctx = {
    strokeStyle: "", fillStyle: "", lineWidth: 1, globalAlpha: 1, font: "", textBaseline: "",
    beginPath() { path = []; },
    /** @param {number} x @param {number} y @param {number} w @param {number} h @param {number} r */
    roundRect(x, y, w, h, r) { path.push({ x, y, w, h, r }); },
    arc() { log.arcs++; },
    moveTo() {},
    lineTo() { log.polys++; },
    arcTo() {},
    closePath() {},
    fill() {},
    stroke() { for (const p of path) log.stroked.push({ ...p, stroke: ctx.strokeStyle }); },
    fillText() {},
    measureText() { return { width: 10 }; },
    fillRect() {},
  };
  return { ctx, log };
}

const theme = { bg: "#fff", fg: "#111", muted: "#666", line: "#999", nodeBg: "#fff", accent: "#00f", born: "#0f0", gone: "#f00", mark: "#ff0", types: { net: "#0a0" } };

/**
 * Draw one node close up, without labels, and return what was stroked.
 * @param {import("./store.js").WireNode} n
 */
function draw(n) {
  const { ctx, log } = recorder();
  const scene = /** @type {import("./render.js").Scene} */ (/** @type {unknown} */ ({ terms: [], isMatch: () => true }));
  Renderer.prototype.drawFull.call(/** @type {Renderer} */ (/** @type {unknown} */ ({ ctx, theme })), n, scene, 1, false);
  return log;
}

/** @param {Partial<import("./store.js").WireNode>} o @returns {import("./store.js").WireNode} */
const node = (o) => ({ id: "x", kind: "file", type: "", label: "x", x: 10, y: 20, w: 100, h: 24, ...o });

test("a group of folded containers is a stack of pills in the containers' colour, without a type marker", () => {
  const log = draw(node({ id: "g-1", kind: "group", folds: "container", label: "+1,000 containers", count: 1000 }));
  assert.equal(log.stroked.length, 3, "two cards behind the box, and the box");
  for (const s of log.stroked) {
    assert.equal(s.r, 12, "round ends: a pill");
    assert.equal(s.stroke, theme.fg);
  }
  assert.deepEqual(log.stroked.map((s) => s.x), [16, 13, 10], "cards offset behind the box");
  assert.equal(log.arcs + log.polys, 0, "no namespace type marker");
});

test("a group of folded pods has the pod's double outline", () => {
  const log = draw(node({ id: "g-2", kind: "group", folds: "pod", label: "+60 pods", count: 60 }));
  assert.equal(log.stroked.length, 4, "two cards, the box and its inner outline");
  assert.ok(log.stroked.every((s) => s.stroke === theme.fg && s.r < 12));
  assert.equal(log.arcs + log.polys, 0);
});

test("a group of namespaces keeps its type's colour and marker", () => {
  const log = draw(node({ id: "g-3", kind: "group", type: "net", folds: "file", label: "+60 net", count: 60 }));
  assert.equal(log.stroked.length, 3);
  assert.ok(log.stroked.every((s) => s.stroke === theme.types.net && s.r === 6));
  assert.ok(log.arcs > 0, "the net marker is a circle");
});

test("a container is a pill, a namespace a box", () => {
  assert.deepEqual(draw(node({ id: "ctr:ns:1:abc", kind: "container", label: "web-1" })).stroked.map((s) => s.r), [12]);
  assert.deepEqual(draw(node({ id: "ns:5", kind: "file", type: "net", label: "net 5" })).stroked.map((s) => s.r), [3]);
});
