// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { Follow, moved } from "./follow.js";

/** A button as Follow sees it. */
function fakeButton() {
  /** @type {Record<string, string>} */
  const attrs = {};
  return {
    attrs,
    textContent: /** @type {string | null} */ (""),
    title: "",
    /** @param {string} k @param {string} v */
    setAttribute(k, v) {
      attrs[k] = v;
    },
  };
}

test("Follow starts on, and the button says so", () => {
  const b = fakeButton();
  const f = new Follow(b);
  assert.equal(f.on, true);
  assert.equal(b.attrs["aria-pressed"], "true");
  assert.equal(b.textContent, "Following");
  assert.equal(f.fitsAfterData(10), true, "new data refits");
  assert.equal(f.fitsAfterData(0), false, "nothing to fit");
});

test("moving the view stops following; the button and Fit start it again", () => {
  const b = fakeButton();
  const f = new Follow(b);
  assert.equal(f.stop(), true);
  assert.equal(f.stop(), false, "already off");
  assert.equal(b.attrs["aria-pressed"], "false");
  assert.equal(b.textContent, "Follow");
  assert.equal(f.fitsAfterData(10), false, "new data keeps the user's place");
  assert.equal(f.toggle(), true, "the button turns it on");
  assert.equal(b.attrs["aria-pressed"], "true");
  assert.equal(f.toggle(), false, "and off");
  assert.equal(f.start(), true);
  assert.equal(f.start(), false);
  assert.equal(f.on, true);
});

test("Follow works without a button", () => {
  const f = new Follow();
  f.stop();
  assert.equal(f.on, false);
});

test("moved: a reveal that needed no move is no move", () => {
  const c = { scale: 0.5, x: 10, y: 20 };
  assert.equal(moved(c, { ...c }), false);
  assert.equal(moved(c, { ...c, x: 10.2 }), false, "rounding");
  assert.equal(moved(c, { ...c, x: 40 }), true);
  assert.equal(moved(c, { ...c, y: -5 }), true);
  assert.equal(moved(c, { ...c, scale: 0.6 }), true);
});
