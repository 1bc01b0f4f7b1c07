// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseState, formatState } from "./urlstate.js";

test("parseState reads view, filter and selection", () => {
  const cases = [
    { in: "", want: { view: "owner", q: "", sel: "" } },
    { in: "?view=pid", want: { view: "pid", q: "", sel: "" } },
    { in: "?view=bogus&q=type%3Anet", want: { view: "owner", q: "type:net", sel: "" } },
    { in: "view=owner&q=cmd%3A%22a+b%22&sel=ns%3A42", want: { view: "owner", q: 'cmd:"a b"', sel: "ns:42" } },
  ];
  for (const c of cases) assert.deepEqual(parseState(c.in), c.want, c.in);
});

test("formatState round-trips and leaves defaults out", () => {
  assert.equal(formatState({ view: "owner", q: "", sel: "" }), "");
  const s = /** @type {const} */ ({ view: "pid", q: "container:web <x>&", sel: "ns:7" });
  assert.deepEqual(parseState(formatState(s)), s);
});
