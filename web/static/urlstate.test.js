// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseState, formatState } from "./urlstate.js";

test("parseState reads view, group, filter and selection", () => {
  const cases = [
    { in: "", want: { view: "owner", group: "container", q: "", sel: "" } },
    { in: "?view=pid", want: { view: "pid", group: "container", q: "", sel: "" } },
    { in: "?group=pod", want: { view: "owner", group: "pod", q: "", sel: "" } },
    { in: "?group=none&view=owner", want: { view: "owner", group: "none", q: "", sel: "" } },
    { in: "?group=boxes", want: { view: "owner", group: "container", q: "", sel: "" } },
    { in: "?view=bogus&q=type%3Anet", want: { view: "owner", group: "container", q: "type:net", sel: "" } },
    { in: "view=owner&q=cmd%3A%22a+b%22&sel=ns%3A42", want: { view: "owner", group: "container", q: 'cmd:"a b"', sel: "ns:42" } },
  ];
  for (const c of cases) assert.deepEqual(parseState(c.in), c.want, c.in);
});

test("formatState round-trips and leaves defaults out", () => {
  assert.equal(formatState({ view: "owner", group: "container", q: "", sel: "" }), "");
  assert.equal(formatState({ view: "owner", group: "none", q: "", sel: "" }), "?group=none");
  const s = /** @type {const} */ ({ view: "pid", group: "pod", q: "container:web <x>&", sel: "ns:7" });
  assert.deepEqual(parseState(formatState(s)), s);
});
