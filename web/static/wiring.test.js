// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { segments, bend, WiringOverlay } from "./wiring.js";

const edge = (/** @type {number} */ a, /** @type {number} */ b, kind = "veth") => ({
  kind,
  a: { ns: a, ifindex: 2, iface: "va", kind, bridge: "br0" },
  b: { ns: b, ifindex: 3, iface: "vb", kind },
});

test("segments join the centres of both ends' nodes and count edges whose ends are not in view", () => {
  const nodes = new Map([
    ["ns:1", { x: 0, y: 0, w: 100, h: 40 }],
    ["ns:2", { x: 200, y: 100, w: 50, h: 20 }],
  ]);
  const { segments: s, hidden } = segments([edge(1, 2), edge(1, 3, "macvlan")], nodes);
  assert.equal(hidden, 1);
  assert.deepEqual(s, [{ x1: 50, y1: 40, x2: 225, y2: 120, kind: "veth", label: "va (br0) ↔ vb" }]);
});

test("a curve hangs below both ends, also between siblings on one row", () => {
  const c = bend({ x1: 0, y1: 0, x2: 100, y2: 0, kind: "veth", label: "" });
  assert.equal(c.x, 50);
  assert.equal(c.y, 37);
  assert.ok(bend({ x1: 0, y1: 50, x2: 100, y2: 0, kind: "veth", label: "" }).y > 50);
  const d = bend({ x1: 0, y1: 0, x2: 0, y2: 0, kind: "veth", label: "" });
  assert.ok(Number.isFinite(d.x) && Number.isFinite(d.y));
});

test("the overlay's state goes into the query string only when on", () => {
  const off = new WiringOverlay("?view=pid", () => {});
  assert.equal(off.on, false);
  assert.equal(off.withParam("?view=pid"), "?view=pid");
  off.on = true;
  assert.equal(off.withParam(""), "?wiring=1");
  assert.equal(off.withParam("?q=x"), "?q=x&wiring=1");
});
