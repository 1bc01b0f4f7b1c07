// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareURL, ordered, modeLabel, summaryText, nsText, moveText, appearedIDs, ownerNames } from "./compare.js";

/** @returns {import("./compare.js").Diff} */
function diff() {
  return {
    from: "2026-12-07T01:00:00Z", to: "2026-12-07T02:00:00Z",
    appeared: [
      { id: 4099, type: "net", inode: 4026532281, pid: 123, comm: "sleep", containers: [{ id: "abcdef0123456789abc", name: "web-3" }] },
      { id: 4100, type: "net", inode: 4026532282, held: "bind mount /run/netns/compare-x" },
    ],
    ended: [{ id: 12, type: "uts", inode: 4026532001 }],
    moved: [
      { kind: "namespace", ns: 7, type: "net", inode: 4026532100, from: [{ id: "a", name: "web" }], to: [{ id: "a", name: "web" }, { id: "b", name: "sidecar" }] },
      { kind: "process", pid: 77, comm: "nginx", from: [], to: [{ id: "0123456789abcdef" }] },
    ],
    containers: { started: [{ id: "c1", name: "web-3" }], stopped: [{ id: "c2", name: "db" }, { id: "c3", name: "cache" }] },
    totals: { appeared: 2, ended: 1, moved: 2, started: 1, stopped: 3 },
  };
}

test("the URL asks for two moments, or one and the present", () => {
  const a = new Date("2026-12-07T01:02:03Z"), b = new Date("2026-12-07T01:05:00Z");
  assert.equal(compareURL(a, b), "/api/v1/compare?from=2026-12-07T01%3A02%3A03.000Z&to=2026-12-07T01%3A05%3A00.000Z");
  assert.equal(compareURL(a, null), "/api/v1/compare?from=2026-12-07T01%3A02%3A03.000Z");
  assert.equal(compareURL(a, null, "type:net ns:7"), "/api/v1/compare?from=2026-12-07T01%3A02%3A03.000Z&q=type%3Anet+ns%3A7");
});

test("moments marked later-first are put in order; live is always last", () => {
  const a = new Date(1000), b = new Date(2000);
  assert.deepEqual(ordered(a, b), [a, b]);
  assert.deepEqual(ordered(b, a), [a, b]);
  assert.deepEqual(ordered(b, null), [b, null]);
  assert.deepEqual(ordered(a, a), [a, a]);
});

test("the mode says which moments are compared", () => {
  const now = new Date("2026-12-07T12:00:00");
  const from = new Date("2026-12-07T11:03:12");
  assert.match(modeLabel(from, null, now), /^Comparing .*11.*03.*12.* → live$/);
  assert.doesNotMatch(modeLabel(from, new Date("2026-12-07T11:10:00"), now), /live/);
});

test("the summary counts everything and names the containers, with … past the page", () => {
  assert.equal(summaryText(diff()), "2 appeared · 1 ended · 2 moved · 1 container started: web-3 · 3 containers stopped: db, cache, …");
  const d = diff();
  d.totals = { appeared: 0, ended: 0, moved: 0, started: 0, stopped: 0 };
  assert.equal(summaryText(d), "0 appeared · 0 ended · 0 moved");
});

test("items read as people know them", () => {
  const d = diff();
  assert.equal(nsText(d.appeared[0]), "net 4026532281 · pid 123 sleep · web-3");
  assert.equal(nsText(d.appeared[1]), "net 4026532282 · held by bind mount /run/netns/compare-x");
  assert.equal(moveText(d.moved[0]), "net 4026532100: web → web, sidecar");
  assert.equal(moveText(d.moved[1]), "pid 77 nginx: host → 0123456789ab");
  assert.equal(ownerNames(undefined), "host");
});

test("the namespaces outlined are those that appeared, by node ID", () => {
  assert.deepEqual([...appearedIDs(diff())], ["ns:4099", "ns:4100"]);
  assert.equal(appearedIDs(null).size, 0);
});
