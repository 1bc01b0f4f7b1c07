// @ts-check
/**
 * The websocket to /api/v1/stream: opens it, hands every parsed message to
 * the app, and reopens it with backoff when it drops, so the page heals by
 * itself after a server restart or a network hiccup.
 */
import { backoff, connState } from "./backoff.js";

/**
 * @typedef {object} ConnHandlers
 * @property {() => void} onOpen the socket opened; the app sends hello
 * @property {(msg: any) => void} onMessage
 * @property {() => void} [onBytes] a message arrived, before parsing
 * @property {(state: import("./backoff.js").ConnState) => void} onState
 */

export class Conn {
  /**
   * @param {string} url
   * @param {ConnHandlers} h
   */
  constructor(url, h) {
    this.url = url;
    this.h = h;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    this.live = false;
    this.everLive = false;
    this.downSince = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retry = undefined;
    /** @type {import("./backoff.js").ConnState} */
    this.state = "connecting";
    this.sent = 0;
    this.received = 0;
    setInterval(() => this.update(), 1000);
  }

  connect() {
    clearTimeout(this.retry);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.warn("nsweb: websocket", err);
      this.dropped();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.h.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.received++;
      this.h.onBytes?.();
      let msg;
      try {
        msg = JSON.parse(typeof ev.data === "string" ? ev.data : "");
      } catch (err) {
        console.warn("nsweb: unreadable message from the server", err);
        return;
      }
      if (msg && (msg.type === "snapshot" || msg.type === "patch")) {
        this.attempt = 0;
        this.live = this.everLive = true;
        this.downSince = 0;
        this.update();
      }
      this.h.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.dropped();
    };
    ws.onerror = () => {
      // onclose follows and does the work.
    };
  }

  dropped() {
    if (this.live || !this.downSince) this.downSince = Date.now();
    this.live = false;
    this.update();
    const wait = backoff(this.attempt++);
    this.retry = setTimeout(() => this.connect(), wait);
  }

  /**
   * Send a message if the socket is open; returns whether it was sent (a
   * closed socket sends hello again when it reopens).
   * @param {object} msg
   * @returns {boolean}
   */
  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    this.sent++;
    return true;
  }

  update() {
    const s = connState({ open: this.live, everLive: this.everLive, downSince: this.downSince }, Date.now());
    if (s !== this.state) {
      this.state = s;
    }
    this.h.onState(s);
  }
}
