// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseState, formatState, parseExpand, pictureParams, readLimits } from "./urlstate.js";

test("parseState reads view, group, filter, open groups and selection", () => {
  const none = { expand: [], expandNamed: false };
  const cases = [
    { in: "", want: { view: "owner", group: "container", q: "", ...none, sel: "" } },
    { in: "?view=pid", want: { view: "pid", group: "container", q: "", ...none, sel: "" } },
    { in: "?view=network", want: { view: "network", group: "container", q: "", ...none, sel: "" } },
    { in: "?group=pod", want: { view: "owner", group: "pod", q: "", ...none, sel: "" } },
    { in: "?group=none&view=owner", want: { view: "owner", group: "none", q: "", ...none, sel: "" } },
    { in: "?group=boxes", want: { view: "owner", group: "container", q: "", ...none, sel: "" } },
    { in: "?view=bogus&q=type%3Anet", want: { view: "owner", group: "container", q: "type:net", ...none, sel: "" } },
    { in: "view=owner&q=cmd%3A%22a+b%22&sel=ns%3A42", want: { view: "owner", group: "container", q: 'cmd:"a b"', ...none, sel: "ns:42" } },
    {
      in: "?expand=grp%3Ans%3A5%3Anet&expand=grp%3Ans%3A1%3Actr",
      want: { view: "owner", group: "container", q: "", expand: ["grp:ns:1:ctr", "grp:ns:5:net"], expandNamed: true, sel: "" },
    },
    {
      // One group per parameter, as it is: a comma belongs to the ID.
      in: "?expand=grp%3Actr%3Ans%3A1%3Abox%2C+a%3Anet&expand=grp%3Ans%3A1%3Actr&expand=grp%3Ans%3A1%3Actr&expand=",
      want: { view: "owner", group: "container", q: "", expand: ["grp:ctr:ns:1:box, a:net", "grp:ns:1:ctr"], expandNamed: true, sel: "" },
    },
    {
      // The page's URL once it showed its picture: no group open, said so.
      in: "?expand=&sel=ns%3A11",
      want: { view: "owner", group: "container", q: "", expand: [], expandNamed: true, sel: "ns:11" },
    },
  ];
  for (const c of cases) assert.deepEqual(parseState(c.in), c.want, c.in);
});

test("parseExpand keeps only group IDs the server takes, by the bounds the page says", () => {
  // Bounds other than the server's today: the page must take them from the page.
  const limits = readLimits((name) => ({ "nsweb-max-expand": "7", "nsweb-max-group-id": "20" })[name]);
  assert.deepEqual(limits, { expand: 7, groupID: 20 });
  const long = "g".repeat(21);
  const wide = "é".repeat(11); // 22 bytes in UTF-8
  assert.deepEqual(parseExpand(["b\nc", long, wide, "", "a", "é".repeat(10)], limits), ["a", "é".repeat(10)]);
  assert.deepEqual(parseExpand([" a , b ", "c:ns:1: box, a:n"], limits), [" a , b ", "c:ns:1: box, a:n"], "commas and spaces are part of an ID");
  const many = Array.from({ length: 12 }, (_, i) => `x${String(i).padStart(2, "0")}`);
  assert.deepEqual(parseExpand(many, limits), many.slice(0, 7));
  assert.deepEqual(parseState(many.map((id) => `expand=${id}`).join("&"), limits).expand, many.slice(0, 7));
  // A page that says no bounds, or odd ones, bounds nothing: the server still does.
  for (const say of [{}, { "nsweb-max-expand": "0", "nsweb-max-group-id": "many" }]) {
    const none = readLimits((name) => /** @type {Record<string, string>} */ (say)[name]);
    assert.deepEqual(none, { expand: Infinity, groupID: Infinity });
    assert.equal(parseExpand([...many, long], none).length, 13);
  }
});

test("formatState round-trips, open groups included, and leaves defaults out", () => {
  assert.equal(formatState({ view: "owner", group: "container", q: "", expand: [], sel: "" }), "");
  assert.equal(formatState({ view: "owner", group: "none", q: "", expand: [], sel: "" }), "?group=none");
  const s = { view: /** @type {const} */ ("pid"), group: /** @type {const} */ ("pod"), q: "container:web <x>&", expand: ["grp:ctr:ns:1: box, a :net", "grp:ns:1:ctr", "grp:pod:ns:1:default/api:ctr"], expandNamed: true, sel: "ns:7" };
  assert.deepEqual(parseState(formatState(s)), s);
  assert.equal(formatState({ view: "owner", group: "container", q: "", expand: ["grp:ns:5:net", "grp:ns:1:ctr"], sel: "" }),
    "?expand=grp%3Ans%3A1%3Actr&expand=grp%3Ans%3A5%3Anet", "sorted, one parameter each");
});

test("a selection asks to reveal only until the URL names the open groups, none included", () => {
  const folded = { view: /** @type {const} */ ("owner"), group: /** @type {const} */ ("container"), q: "", expand: [], sel: "ns:11" };
  assert.equal(formatState(folded), "?sel=ns%3A11", "a link that leaves the groups to the server's reveal");
  assert.equal(formatState({ ...folded, expandNamed: true }), "?expand=&sel=ns%3A11", "no group open, and a reload keeps it so");
  assert.deepEqual(parseState(formatState({ ...folded, expandNamed: true })), { ...folded, expandNamed: true });
  assert.equal(formatState({ ...folded, sel: "", expandNamed: true }), "", "without a selection there is nothing to reveal");
  assert.equal(pictureParams(folded).toString(), "", "nor an empty expand in the download");
});

test("pictureParams name the picture, not the selection, for the SVG download", () => {
  const p = pictureParams({ view: "owner", group: "pod", q: "type:net", expand: new Set(["grp:ns:5:net"]) });
  assert.equal(p.toString(), "group=pod&q=type%3Anet&expand=grp%3Ans%3A5%3Anet");
  const odd = pictureParams({ view: "owner", group: "container", q: "", expand: ["grp:ctr:ns:1:box, a:net", "grp:ns:1:ctr"] });
  assert.deepEqual(odd.getAll("expand"), ["grp:ctr:ns:1:box, a:net", "grp:ns:1:ctr"], "one parameter per group, as it is");
});
