// @ts-check
/**
 * The rig the history e2e tests share: the real binary recording into a
 * state directory of its own, a browser, one network namespace of the
 * test's (deleted at the end if still there), and the waits on what the
 * server recorded.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, startBrowser } from "./harness.mjs";

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class HistoryRig {
  /** @param {string} prefix names the state directory and the netns */
  constructor(prefix) {
    this.prefix = prefix;
    this.name = `${prefix}-e2e-${process.pid}`;
    this.added = false;
    /** @type {string} */
    this.stateDir = "";
    /** @type {import("./harness.mjs").Server} */
    this.server = /** @type {any} */ (undefined);
    /** @type {import("./harness.mjs").Browser} */
    this.chrome = /** @type {any} */ (undefined);
  }

  async start() {
    this.stateDir = await mkdtemp(path.join(tmpdir(), `nsweb-${this.prefix}-`));
    this.server = await startServer(["--state-dir", this.stateDir]);
    this.chrome = await startBrowser();
  }

  async stop() {
    if (this.added) this.netns("delete");
    await this.chrome?.close();
    await this.server?.stop();
    if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true });
  }

  /** @param {"add" | "delete"} verb the test's netns */
  netns(verb) {
    execFileSync("ip", ["netns", verb, this.name]);
    this.added = verb === "add";
  }

  /** @param {string} p a path below the server's URL, answered in JSON */
  async get(p) {
    const r = await fetch(new URL(p, this.server.url));
    return r.json();
  }

  /** Waits until the server has recorded its first moment. */
  async recording() {
    for (let i = 0; i < 100; i++) {
      const h = await this.get("healthz");
      if (h.history?.newest) return;
      await sleep(100);
    }
  }

  /**
   * The first recorded event whose text holds q (and of kind, if given).
   * @param {string} q
   * @param {string} [kind]
   */
  async waitEvent(q, kind) {
    for (let i = 0; i < 150; i++) {
      const page = await this.get("api/v1/history?q=" + encodeURIComponent(q));
      const e = page.events?.find((/** @type {any} */ e) => !kind || e.kind === kind);
      if (e) return e;
      await sleep(200);
    }
    throw new Error(`no ${kind || "event"} for ${q} in the history`);
  }
}
