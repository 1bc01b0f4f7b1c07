// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { replayFrom, LOG_FROM_KEY, FIRST_SPAN_MS } from "./histlog.js";

/** @returns {{getItem(k: string): string | null, setItem(k: string, v: string): void, m: Map<string, string>}} */
function mem() {
  const m = new Map();
  return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
}

test("a new tab replays the last hour and keeps that start for its reloads", () => {
  const s = mem();
  const now = Date.parse("2026-12-07T03:00:00Z");
  const from = replayFrom(s, now);
  assert.equal(Date.parse(from), now - FIRST_SPAN_MS);
  assert.equal(s.m.get(LOG_FROM_KEY), from);
  assert.equal(replayFrom(s, now + 600_000), from, "a reload asks from the same start");
});

test("a start that is unreadable or in the future is replaced; no storage still works", () => {
  const now = Date.parse("2026-12-07T03:00:00Z");
  for (const bad of ["yesterday", "2999-01-01T00:00:00Z"]) {
    const s = mem();
    s.m.set(LOG_FROM_KEY, bad);
    assert.equal(Date.parse(replayFrom(s, now)), now - FIRST_SPAN_MS);
  }
  assert.equal(Date.parse(replayFrom(null, now)), now - FIRST_SPAN_MS);
  const throwing = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("denied"); } };
  assert.equal(Date.parse(replayFrom(throwing, now)), now - FIRST_SPAN_MS);
});
