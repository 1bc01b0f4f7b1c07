// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { backoff, connState, STALE_AFTER_MS } from "./backoff.js";

test("backoff grows, is capped and jittered", () => {
  assert.equal(backoff(0, () => 1), 250);
  assert.equal(backoff(0, () => 0), 200);
  assert.equal(backoff(3, () => 1), 2000);
  assert.equal(backoff(50, () => 1), 10000);
  let prev = 0;
  for (let i = 0; i < 8; i++) {
    const d = backoff(i, () => 1);
    assert.ok(d >= prev);
    prev = d;
  }
});

test("connState: live, reconnecting, then stale", () => {
  const t = 1_000_000;
  assert.equal(connState({ open: true, everLive: true, downSince: 0 }, t), "live");
  assert.equal(connState({ open: false, everLive: false, downSince: 0 }, t), "connecting");
  assert.equal(connState({ open: false, everLive: false, downSince: t - STALE_AFTER_MS }, t), "stale");
  assert.equal(connState({ open: false, everLive: true, downSince: t - 10 }, t), "reconnecting");
  assert.equal(connState({ open: false, everLive: true, downSince: t - STALE_AFTER_MS }, t), "stale");
});
