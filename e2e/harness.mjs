// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * Shared set-up of the end-to-end tests: start the real nsweb binary on a
 * free loopback port and drive Debian's chromium through playwright-core.
 * Nothing here downloads a browser.
 */
import { execFileSync, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { chmod, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

/** The chromium binary from Debian's package; never a downloaded build. */
export const CHROMIUM = process.env.NSWEB_CHROMIUM || "/usr/bin/chromium";

/** Flags that keep chromium quiet on a machine with no outside network. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * @typedef {object} Server
 * @property {string} url base URL, e.g. http://127.0.0.1:41234/
 * @property {import("node:child_process").ChildProcess} proc
 * @property {() => string} output everything the server printed so far
 * @property {() => Promise<void>} stop
 */

/**
 * Start nsweb on an ephemeral loopback port and wait until it prints its URL.
 * @param {string[]} [extraArgs]
 * @param {{ uid?: number }} [opts] uid: run as this user (the binary is
 *   copied to a directory that user can read first)
 * @returns {Promise<Server>}
 */
export async function startServer(extraArgs = [], opts = {}) {
  let bin = process.env.NSWEB_BIN;
  if (!bin) {
    throw new Error("NSWEB_BIN is not set: build nsweb and point NSWEB_BIN at it (scripts/test does)");
  }
  /** @type {string | undefined} */
  let copyDir;
  if (opts.uid !== undefined) {
    copyDir = await mkdtemp(path.join(tmpdir(), "nsweb-uid-"));
    await chmod(copyDir, 0o755);
    await copyFile(bin, path.join(copyDir, "nsweb"));
    bin = path.join(copyDir, "nsweb");
    await chmod(bin, 0o755);
  }
  const proc = spawn(bin, ["serve", "--listen", "127.0.0.1:0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid, cwd: copyDir } : {}),
  });
  if (copyDir) {
    const dir = copyDir;
    proc.once("exit", () => void rm(dir, { recursive: true, force: true }));
  }
  let out = "";
  proc.stdout?.on("data", (d) => (out += d));
  proc.stderr?.on("data", (d) => (out += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nsweb did not print its URL in 20s:\n${out}`)), 20000);
    const check = () => {
      const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on("data", check);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nsweb exited with ${code} before serving:\n${out}`));
    });
  });
  return {
    url,
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * @typedef {object} Browser
 * @property {import("playwright-core").BrowserContext} browser a fresh
 *   persistent context; newPage() opens a tab in it
 * @property {() => Promise<void>} close
 */

/**
 * Launch headless chromium with a fresh, empty profile directory.
 * @returns {Promise<Browser>}
 */
export async function startBrowser() {
  const profile = await mkdtemp(path.join(tmpdir(), "nsweb-e2e-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Collect console errors and uncaught page errors, so a test can assert
 * that the page ran cleanly.
 * @param {import("playwright-core").Page} page
 * @returns {string[]}
 */
export function watchErrors(page) {
  /** @type {string[]} */
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("requestfailed", (req) => {
    // A request the page itself gave up (a reload or navigation while the
    // details panel was fetching) is no failure of the page.
    const why = req.failure()?.errorText;
    if (why !== "net::ERR_ABORTED") errors.push(`requestfailed: ${req.url()} ${why}`);
  });
  return errors;
}

/** Directory for screenshots and other artefacts (not committed). */
export const ARTEFACTS = process.env.NSWEB_ARTEFACTS || path.join(process.cwd(), "artefacts");

/** Whether the tests run as root, as the ones that make namespaces need. */
export const isRoot = process.getuid?.() === 0;

/**
 * Names for two network namespaces of one test file, unique to this run
 * (other engineers make namespaces on the same host).
 * @param {string} test the file's short name
 * @returns {[string, string]}
 */
export function netnsNames(test) {
  const p = `${test}-e2e-${process.pid}`;
  return [`${p}-a`, `${p}-b`];
}

/**
 * Run ip(8) with args; its output is returned, a failure thrown.
 * @param {string[]} args
 */
export const ip = (args) => execFileSync("ip", args, { stdio: "pipe" });

/**
 * Delete the named network namespaces, those that were never made too.
 * @param {string[]} names
 */
export function deleteNetns(names) {
  for (const n of names) {
    try {
      ip(["netns", "del", n]);
    } catch {
      // not made
    }
  }
}

/**
 * The NSID of the namespace of this type a file (bind mount, /proc link)
 * is, as the server at url names it once a scan found it (within 20 s).
 * @param {string} url the server's base URL
 * @param {string} type
 * @param {string} file
 * @returns {Promise<number>}
 */
export async function nsidOf(url, type, file) {
  const ino = statSync(file).ino;
  for (let i = 0; i < 100; i++) {
    const r = await fetch(new URL(`api/v1/ns/${type}:${ino}`, url));
    if (r.ok) return (await r.json()).namespace.id;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`${file} never showed up`);
}

/**
 * Wait until the page has drawn the wiring (the app's data-wiring says
 * "drawn/…"), with at least one link when both network namespaces a and b
 * (NSIDs, a veth pair) are shown; a busy host may fold them.
 * @param {import("playwright-core").Page} page
 * @param {number} a
 * @param {number} b
 */
export async function waitWiring(page, a, b) {
  const both = await page.evaluate(([a, b]) => window.nsweb.has(`ns:${a}`) && window.nsweb.has(`ns:${b}`), [a, b]);
  await page.waitForFunction((both) => {
    const w = document.getElementById("app")?.dataset.wiring || "";
    const [drawn] = w.split("/").map(Number);
    return w !== "" && (!both || drawn >= 1);
  }, both, { timeout: 20000 });
}
