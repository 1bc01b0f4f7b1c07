// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { edgeMarks, markAt, storeChanges, EDGE_INSET } from "./edgemarks.js";
import { Store } from "./store.js";

const cam = { scale: 1, x: 0, y: 0 };
const VW = 800, VH = 600;
/** @param {number} x @param {number} y */
const box = (x, y) => ({ x, y, w: 100, h: 24 });

test("nothing in view is marked", () => {
  assert.deepEqual(edgeMarks(cam, VW, VH, [{ id: "a", kind: "born", rect: box(100, 100) }]), []);
  // Partly in view counts as in view.
  assert.deepEqual(edgeMarks(cam, VW, VH, [{ id: "a", kind: "born", rect: box(-50, 100) }]), []);
});

test("a change out of view gets an arrow on the edge towards it", () => {
  const cases = [
    { rect: box(5000, 288), side: "right", angle: 0 },
    { rect: box(-5000, 288), side: "left", angle: Math.PI },
    { rect: box(350, 9000), side: "bottom", angle: Math.PI / 2 },
    { rect: box(350, -9000), side: "top", angle: -Math.PI / 2 },
  ];
  for (const c of cases) {
    const [m] = edgeMarks(cam, VW, VH, [{ id: "n", kind: "gone", rect: c.rect }]);
    assert.ok(m, c.side);
    assert.equal(m.kind, "gone");
    assert.equal(m.count, 1);
    assert.ok(Math.abs(m.angle - c.angle) < 0.01, `${c.side}: ${m.angle}`);
    const onEdge = { right: Math.abs(m.x - (VW - EDGE_INSET)) < 1e-6, left: Math.abs(m.x - EDGE_INSET) < 1e-6, bottom: Math.abs(m.y - (VH - EDGE_INSET)) < 1e-6, top: Math.abs(m.y - EDGE_INSET) < 1e-6 };
    assert.ok(onEdge[/** @type {keyof typeof onEdge} */ (c.side)], `${c.side}: ${m.x},${m.y}`);
    assert.deepEqual(m.target, { x: c.rect.x + 50, y: c.rect.y + 12 });
  }
});

test("nearby changes share an arrow with a count; kinds and far ones do not", () => {
  const items = [
    { id: "a", kind: /** @type {const} */ ("born"), rect: box(5000, 290) },
    { id: "b", kind: /** @type {const} */ ("born"), rect: box(3000, 295) },
    { id: "c", kind: /** @type {const} */ ("gone"), rect: box(5000, 290) },
    { id: "d", kind: /** @type {const} */ ("born"), rect: box(350, 9000) },
  ];
  const ms = edgeMarks(cam, VW, VH, items);
  assert.equal(ms.length, 3);
  const right = ms.find((m) => m.kind === "born" && m.angle < 0.5 && m.angle > -0.5);
  assert.ok(right);
  assert.equal(right.count, 2);
  assert.equal(right.id, "b", "the nearest names the arrow");
  assert.equal(ms.filter((m) => m.kind === "gone").length, 1);
});

test("every arrow lies inside the viewport whatever the camera (property)", () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 300; i++) {
    const c = { scale: 0.01 + rnd() * 3, x: (rnd() - 0.5) * 1e4, y: (rnd() - 0.5) * 1e4 };
    const items = Array.from({ length: 20 }, (_, j) => ({ id: `n${j}`, kind: /** @type {"born" | "gone"} */ (j % 2 ? "born" : "gone"), rect: box((rnd() - 0.5) * 1e5, (rnd() - 0.5) * 1e5) }));
    const ms = edgeMarks(c, VW, VH, items);
    let total = 0;
    for (const m of ms) {
      assert.ok(m.x >= EDGE_INSET - 1e-6 && m.x <= VW - EDGE_INSET + 1e-6 && m.y >= EDGE_INSET - 1e-6 && m.y <= VH - EDGE_INSET + 1e-6, JSON.stringify(m));
      total += m.count;
    }
    assert.ok(total <= items.length);
  }
  assert.deepEqual(edgeMarks(cam, 20, 20, [{ id: "a", kind: "born", rect: box(5000, 0) }]), [], "a viewport too small for arrows");
});

test("markAt finds the arrow under a click", () => {
  const ms = edgeMarks(cam, VW, VH, [{ id: "a", kind: "born", rect: box(5000, 288) }]);
  assert.equal(markAt(ms, ms[0].x + 3, ms[0].y - 3)?.id, "a");
  assert.equal(markAt(ms, ms[0].x - 40, ms[0].y), null);
});

test("storeChanges lists the born nodes and the ghosts of a store", () => {
  const s = new Store();
  const node = (/** @type {string} */ id, /** @type {number} */ x) => ({ id, kind: /** @type {const} */ ("file"), type: "net", label: id, x, y: 0, w: 10, h: 10 });
  s.applySnapshot({ type: "snapshot", seq: 1, nodes: [node("a", 0), node("b", 20)] }, 0);
  s.applyPatch({ type: "patch", seq: 2, add: [node("c", 40)], born: ["c"], remove: ["b"], ended: ["b"] }, 10);
  const got = storeChanges(s).map((c) => `${c.kind}:${c.id}`).sort();
  assert.deepEqual(got, ["born:c", "gone:b"]);
});
