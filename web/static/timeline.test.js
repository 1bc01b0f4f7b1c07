// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { bars, pictureURL, atOf, formatAt } from "./timeline.js";

test("bars stack births and ends by type and scale to the busiest bucket", () => {
  const r = bars([
    { t: "a", born: { net: 2, user: 1 }, ended: { net: 1 } },
    { t: "b", born: {}, ended: { mnt: 5 } },
    { t: "c" },
  ]);
  assert.equal(r.max, 5);
  assert.deepEqual(r.bars[0].born, [["user", 1], ["net", 2]]);
  assert.deepEqual(r.bars[1].ended, [["mnt", 5]]);
  assert.deepEqual(r.bars[2], { born: [], ended: [] });
});

test("the picture of a moment keeps the view, filter and open groups", () => {
  const at = new Date("2026-12-07T01:02:03Z");
  assert.equal(pictureURL(at, { view: "owner", group: "container", q: "", expand: [] }), "/api/v1/snapshot?at=2026-12-07T01%3A02%3A03.000Z");
  assert.equal(
    pictureURL(at, { view: "pid", group: "pod", q: "type:net", expand: ["grp:b", "grp:a, x"] }, "/snapshot.svg"),
    "/snapshot.svg?at=2026-12-07T01%3A02%3A03.000Z&view=pid&group=pod&q=type%3Anet&expand=grp%3Aa%2C+x&expand=grp%3Ab",
  );
});

test("scrubber positions map onto the span, clamped", () => {
  const a = new Date(0), b = new Date(1000_000);
  assert.equal(atOf(0, a, b).getTime(), 0);
  assert.equal(atOf(500, a, b).getTime(), 500_000);
  assert.equal(atOf(2000, a, b).getTime(), 1000_000);
  assert.equal(atOf(-1, a, b).getTime(), 0);
});

test("a moment of another day shows its date", () => {
  const now = new Date("2026-12-07T12:00:00");
  assert.ok(!formatAt(new Date("2026-12-07T11:00:00"), now).includes("2026"));
  assert.notEqual(formatAt(new Date("2026-12-05T11:00:00"), now), formatAt(new Date("2026-12-07T11:00:00"), now));
});
