// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { pictureOf } from "./picture.js";
import { snapshotKey } from "./store.js";

test("pictureOf reads back what snapshotKey keys", () => {
  const cases = [
    { in: {}, want: { view: "owner", q: "", expand: [], group: "container" } },
    { in: { view: "pid", q: "type:net", expand: ["g:b", "g:a"], group: "none" }, want: { view: "pid", q: "type:net", expand: ["g:a", "g:b"], group: "none" } },
    { in: { q: "a,b \"c\"" }, want: { view: "owner", q: "a,b \"c\"", expand: [], group: "container" } },
  ];
  for (const c of cases) assert.deepEqual(pictureOf(snapshotKey(c.in)), c.want);
});

test("pictureOf of no key or a bad one is null", () => {
  for (const k of ["", "{", "3", "null", "\"x\""]) assert.equal(pictureOf(k), null, k);
});
