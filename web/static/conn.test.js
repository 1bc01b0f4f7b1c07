// @ts-check
import { test, mock } from "node:test";
import assert from "node:assert/strict";

/** A stand-in for the browser's WebSocket: the test opens, feeds and closes it. */
class FakeWS {
  static OPEN = 1;
  /** @type {FakeWS[]} */
  static all = [];
  /** @param {string} url */
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    /** @type {string[]} */
    this.sent = [];
    /** @type {(() => void) | null} */ this.onopen = null;
    /** @type {((ev: {data: string}) => void) | null} */ this.onmessage = null;
    /** @type {(() => void) | null} */ this.onclose = null;
    /** @type {(() => void) | null} */ this.onerror = null;
    FakeWS.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  /** @param {object} m */
  recv(m) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  /** @param {string} s */
  send(s) {
    this.sent.push(s);
  }
}

test("Conn says hello on open, goes live on data, and reconnects with backoff, stale after a while", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: 1_000_000 });
  const g = /** @type {any} */ (globalThis);
  const saved = g.WebSocket;
  g.WebSocket = FakeWS;
  const warn = mock.method(console, "warn", () => {});
  try {
    const { Conn } = await import("./conn.js");
    /** @type {string[]} */
    const states = [];
    /** @type {any[]} */
    const msgs = [];
    let opens = 0;
    const c = new Conn("ws://x/api/v1/stream", {
      onOpen: () => {
        opens++;
        c.send({ type: "hello" });
      },
      onMessage: (m) => msgs.push(m),
      onState: (s) => states.push(s),
    });
    c.connect();
    const ws = FakeWS.all[0];
    ws.open();
    assert.equal(opens, 1);
    assert.deepEqual(ws.sent, ['{"type":"hello"}']);
    assert.equal(c.state, "connecting", "open but no data yet");
    ws.recv({ type: "snapshot", seq: 1, nodes: [] });
    assert.equal(c.state, "live");
    ws.onmessage?.({ data: "{not json" });
    assert.equal(msgs.length, 1, "unreadable messages are skipped");
    assert.equal(warn.mock.callCount(), 1, "and reported");
    ws.close();
    assert.equal(c.state, "reconnecting");
    assert.equal(c.send({ type: "hello" }), false, "nothing is sent while down");
    mock.timers.tick(250);
    assert.equal(FakeWS.all.length, 2, "first retry after at most 250 ms");
    FakeWS.all[1].close();
    mock.timers.tick(500);
    assert.equal(FakeWS.all.length, 3, "second retry after at most 500 ms");
    FakeWS.all[2].close();
    mock.timers.tick(8000);
    assert.equal(c.state, "stale");
    const last = FakeWS.all.at(-1);
    last?.open();
    last?.recv({ type: "patch", seq: 2 });
    assert.equal(c.state, "live");
    assert.equal(opens, 2);
    assert.ok(states.includes("reconnecting") && states.includes("stale"));
  } finally {
    g.WebSocket = saved;
    warn.mock.restore();
    mock.timers.reset();
  }
});
