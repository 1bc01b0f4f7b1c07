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

test("the network view forces the edges without touching the toggle or the URL", async () => {
  let fetches = 0;
  const edge = { kind: "veth", a: { ns: 1, iface: "a" }, b: { ns: 2, iface: "b" } };
  const saved = { fetch: globalThis.fetch, window: globalThis.window };
  globalThis.fetch = /** @type {any} */ (async () => (fetches++, { ok: true, json: async () => ({ edges: [edge] }) }));
  globalThis.window = /** @type {any} */ ({ setTimeout: () => 0 });
  try {
    let changed = 0;
    const w = new WiringOverlay("?view=network", () => changed++);
    assert.equal(w.active, false);
    w.force(true);
    w.force(true); // every frame: no second fetch
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(fetches, 1);
    assert.equal(w.active, true);
    assert.equal(w.on, false);
    assert.equal(w.edges.length, 1);
    assert.ok(changed >= 1);
    assert.equal(w.withParam("?view=network"), "?view=network");
    w.set(true);
    w.set(false); // still forced: the edges stay
    assert.equal(w.edges.length, 1);
    w.force(false);
    assert.equal(w.active, false);
    assert.equal(w.edges.length, 0);
  } finally {
    globalThis.fetch = saved.fetch;
    globalThis.window = saved.window;
  }
});
