// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * What namespaces hold, in the browser, against the real binary as root:
 * a net namespace's details list its interfaces and the veth peer, the
 * peer link opens the other namespace, a user namespace shows its map and
 * capabilities, a nested PID namespace its PID chains, and the wiring
 * overlay toggles (kept in the URL).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readlink } from "node:fs/promises";
import { startServer, startBrowser, watchErrors, ip, deleteNetns, nsidOf, netnsNames, isRoot, waitWiring } from "./harness.mjs";

const [A, B] = netnsNames("inside");
const root = isRoot;

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;
/** @type {import("node:child_process").ChildProcess[]} */
const kids = [];

before(async () => {
  if (!root) return;
  ip(["netns", "add", A]);
  ip(["netns", "add", B]);
  ip(["-n", A, "link", "add", "e2va", "type", "veth", "peer", "name", "e2vb", "netns", B]);
  ip(["-n", A, "addr", "add", "10.78.0.1/24", "dev", "e2va"]);
  for (const argv of [
    ["unshare", "--user", "--map-root-user", "sleep", "infinity"],
    ["unshare", "--pid", "--fork", "--kill-child", "unshare", "--pid", "--fork", "--kill-child", "sleep", "infinity"],
  ]) {
    kids.push(spawn(argv[0], argv.slice(1), { stdio: "ignore", detached: true }));
  }
  server = await startServer();
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
  for (const k of kids) {
    try {
      if (k.pid) process.kill(-k.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  deleteNetns([A, B]);
});

/**
 * The NSID of the namespace a file (bind mount, /proc link) is.
 * @param {string} type
 * @param {string} file
 */
const nsid = (type, file) => nsidOf(server.url, type, file);

/** @param {string} query */
async function open(query) {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const errors = watchErrors(page);
  await page.goto(server.url + query);
  await page.waitForFunction(() => window.nsweb?.conn === "live" && window.nsweb.seq >= 0, null, { timeout: 20000 });
  return { page, errors };
}

/** The pid of the sleep at the end of a process chain. */
function leaf(/** @type {number} */ pid) {
  for (let i = 0; i < 5; i++) {
    let kids = "";
    try {
      kids = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim();
    } catch {
      return pid;
    }
    if (!kids) return pid;
    pid = Number(kids.split("\n")[0]);
  }
  return pid;
}

test("a net namespace's details list interfaces and the veth peer, which opens", { skip: !root && "needs root" }, async () => {
  const a = await nsid("net", `/run/netns/${A}`);
  const b = await nsid("net", `/run/netns/${B}`);
  const { page, errors } = await open(`?sel=ns:${a}`);
  const net = page.locator('#inside [data-sec="net"]');
  await net.waitFor({ timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('#inside [data-sec="net"]')?.textContent?.includes("e2va"));
  const text = await net.textContent();
  assert.match(text || "", /e2va/);
  assert.match(text || "", /veth · /);
  assert.match(text || "", /inet 10\.78\.0\.1\/24/);
  const peer = net.locator(`button.link[data-link="ns:${b}"]`);
  assert.match((await peer.textContent()) || "", /^veth peer: e2vb in net (ns )?\d+/);
  await peer.click();
  await page.waitForFunction((b) => new URL(location.href).searchParams.get("sel") === `ns:${b}` || document.querySelector(`#inside button.link[data-link]`)?.textContent?.includes("e2va"), b);
  await page.waitForFunction(() => document.querySelector('#inside [data-sec="net"]')?.textContent?.includes("e2vb"));
  const back = page.locator(`#inside button.link[data-link="ns:${a}"]`);
  assert.match((await back.textContent()) || "", /^veth peer: e2va in net (ns )?\d+/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a user namespace shows its map and its members' capabilities; a nested PID namespace its PID chains", { skip: !root && "needs root" }, async () => {
  const user = kids[0].pid || 0;
  for (let i = 0; i < 50 && (await readlink(`/proc/${user}/exe`).catch(() => "")).endsWith("unshare"); i++) await new Promise((r) => setTimeout(r, 100));
  const u = await nsid("user", `/proc/${user}/ns/user`);
  const { page, errors } = await open(`?sel=ns:${u}`);
  await page.waitForFunction(() => document.querySelector('#inside [data-sec="user"]')?.textContent?.includes("all capabilities"), null, { timeout: 20000 });
  const ut = (await page.locator('#inside [data-sec="user"]').textContent()) || "";
  assert.match(ut, /uid_map0→0 ×1/);
  assert.match(ut, /setgroupsdeny/);
  assert.match(ut, new RegExp(`${user} sleep \\(uid 0\\)all capabilities`));

  const inner = leaf(kids[1].pid || 0);
  const p = await nsid("pid", `/proc/${inner}/ns/pid`);
  await page.goto(`${server.url}?sel=ns:${p}`);
  await page.waitForFunction(() => document.querySelector('#inside [data-sec="pid"]')?.textContent?.includes("→ 2 → 1"), null, { timeout: 20000 });
  const pt = (await page.locator('#inside [data-sec="pid"]').textContent()) || "";
  assert.match(pt, new RegExp(`${inner} → 2 → 1`));
  assert.match(pt, /Level2/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the wiring overlay toggles, stays in the URL and draws the veth pair", { skip: !root && "needs root" }, async () => {
  const a = await nsid("net", `/run/netns/${A}`);
  const b = await nsid("net", `/run/netns/${B}`);
  const { page, errors } = await open(`?q=${encodeURIComponent("type:net held:bindmount")}`);
  const app = page.locator("#app");
  assert.equal(await app.getAttribute("data-wiring"), "");
  await page.locator("#wiring").check();
  await page.waitForFunction(() => new URL(location.href).searchParams.get("wiring") === "1");
  assert.match((await page.locator("#download").getAttribute("href")) || "", /wiring=1/);
  // Drawn once the wiring came: both ends in view (unless a busy host folds them).
  await waitWiring(page, a, b);
  // The state survives a reload: the toggle comes back on.
  await page.reload();
  await page.waitForFunction(() => window.nsweb?.conn === "live");
  assert.equal(await page.locator("#wiring").isChecked(), true);
  await page.locator("#wiring").uncheck();
  await page.waitForFunction(() => !new URL(location.href).searchParams.has("wiring"));
  await page.waitForFunction(() => document.getElementById("app")?.dataset.wiring === "");
  assert.deepEqual(errors, []);
  await page.close();
});
