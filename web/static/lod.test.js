// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { detail, showLabels, showEdges, truncate, labelFont, lodHint, FONT, MIN_LABEL_PX } from "./lod.js";

test("detail falls from full to simple to dot as boxes shrink", () => {
  assert.equal(detail(1, 28), "full");
  assert.equal(detail(0.4, 28), "full");
  assert.equal(detail(0.3, 28), "simple");
  assert.equal(detail(0.03, 28), "dot");
});

test("labels and edges hide when too small", () => {
  assert.equal(showLabels(1), true);
  assert.equal(showLabels(0.5), false);
  assert.equal(showLabels(0.6), true, "a box 14 px high holds 11 px text");
  assert.equal(showLabels(0.55), false);
  assert.equal(showEdges(0.01), false);
  assert.equal(showEdges(0.5), true);
});

test("truncate cuts to fit with an ellipsis", () => {
  const m = (/** @type {string} */ s) => [...s].length * 10;
  assert.equal(truncate("net 4026531840", 1000, m), "net 4026531840");
  assert.equal(truncate("net 4026531840", 60, m), "net 4…");
  assert.equal(truncate("abc", 5, m), "");
  assert.equal(truncate("abc", 0, m), "");
  assert.equal(truncate("ab😀cd", 40, m), "ab😀…", "never splits a surrogate pair");
});

test("labels are never drawn under MIN_LABEL_PX on screen (property)", () => {
  assert.equal(labelFont(1), FONT);
  assert.equal(labelFont(4), FONT);
  for (let s = 0.05; s < 3; s += 0.01) {
    if (!showLabels(s)) continue;
    assert.ok(labelFont(s) * s >= MIN_LABEL_PX - 1e-9, `scale ${s}: ${labelFont(s) * s}px`);
  }
});

test("the page says how to read labels when none show", () => {
  assert.equal(lodHint({ labels: true, drawn: 10 }), "");
  assert.equal(lodHint({ labels: false, drawn: 0 }), "", "an empty picture needs no hint");
  assert.match(lodHint({ labels: false, drawn: 10 }), /zoom in to read labels/i);
});
