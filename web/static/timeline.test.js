// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { bars, pictureURL, atOf, formatAt, refusal } from "./timeline.js";

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

test("a refused moment says why in words: before the history, or the server's reason", () => {
  const now = new Date("2026-12-07T04:20:00Z");
  const said = refusal("at: no history at 2026-12-07T04:00:46Z: it holds 2026-12-07T04:11:28Z to 2026-12-07T04:18:45Z", now);
  assert.equal(said, "nothing recorded then; history starts at " + formatAt(new Date("2026-12-07T04:11:28Z"), now));
  assert.doesNotMatch(said, /Z\b/);
  assert.equal(refusal("at: nsweb records no history: only the present can be shown", now), "nsweb records no history: only the present can be shown");
  assert.equal(refusal("at: no history at x: it holds garbage to y", now), "no history at x: it holds garbage to y");
  assert.equal(refusal(undefined, now), "refused");
});
