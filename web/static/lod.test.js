// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { detail, showLabels, showEdges, truncate } from "./lod.js";

test("detail falls from full to simple to dot as boxes shrink", () => {
  assert.equal(detail(1, 28), "full");
  assert.equal(detail(0.4, 28), "full");
  assert.equal(detail(0.3, 28), "simple");
  assert.equal(detail(0.03, 28), "dot");
});

test("labels and edges hide when too small", () => {
  assert.equal(showLabels(1), true);
  assert.equal(showLabels(0.5), false);
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
