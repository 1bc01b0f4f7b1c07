// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * The view that follows the tree, against the real nsweb binary on this
 * host: the first frame is fitted; a namespace started while the view
 * follows shows on screen without a touch; panning turns follow off and
 * the Follow control says so; a change out of view is pointed at by an
 * arrow on the edge; the control (by keyboard) turns follow on again.
 * The page filters on a tag of this test's own processes, so that what
 * others start on a busy host cannot change what is checked.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { startServer, startBrowser, watchErrors, ARTEFACTS } from "./harness.mjs";

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;
/** @type {number[]} */
const pids = [];

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
  await mkdir(ARTEFACTS, { recursive: true });
});

after(async () => {
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await chrome?.close();
  await server?.stop();
});

/**
 * Start `unshare … sleep SECONDS` in new namespaces and return the inode of
 * the sleep's net namespace once unshare has forked it.
 * @param {string[]} flags unshare's namespace flags
 * @param {string} seconds the sleep's argument, which the page filters on
 */
async function startSleeper(flags, seconds) {
  const proc = spawn("unshare", ["--fork", "--kill-child", ...flags, "sleep", seconds], { stdio: "ignore" });
  const ppid = /** @type {number} */ (proc.pid);
  pids.push(ppid);
  let child = 0;
  for (let i = 0; i < 200 && !child; i++) {
    const kids = await readFile(`/proc/${ppid}/task/${ppid}/children`, "utf8").catch(() => "");
    child = Number(kids.trim().split(/\s+/)[0]) || 0;
    if (!child) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(child, "unshare forked its child");
  pids.push(child);
  const link = await readlink(`/proc/${child}/ns/net`);
  const m = /\[(\d+)\]/.exec(link);
  assert.ok(m, link);
  return Number(m[1]);
}

/**
 * The node ID of a namespace named by its inode, asked of the server (the
 * ID is its NSID).
 * @param {number} inode
 */
async function nodeID(inode) {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(new URL(`api/v1/ns/${inode}`, server.url));
    if (r.ok) return `ns:${(await r.json()).namespace.id}`;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`the server never knew net:[${inode}]`);
}

/**
 * Whether every node of the picture lies inside the canvas, and whether
 * the one named does.
 * @param {import("playwright-core").Page} page
 * @param {string} [id]
 */
function inView(page, id = "") {
  return page.evaluate((id) => {
    const c = /** @type {HTMLElement} */ (document.getElementById("tree")).getBoundingClientRect();
    const inside = (/** @type {{x: number, y: number, w: number, h: number} | null} */ r) =>
      !!r && r.x >= c.left - 0.5 && r.y >= c.top - 0.5 && r.x + r.w <= c.right + 0.5 && r.y + r.h <= c.bottom + 0.5;
    const ids = window.nsweb.ids();
    return { all: ids.length > 0 && ids.every((n) => inside(window.nsweb.nodeRect(n))), one: id ? inside(window.nsweb.nodeRect(id)) : null, count: ids.length };
  }, id);
}

test("the view follows the tree until the user pans; the Follow control says so and turns it on again", async () => {
  const tag = String(100000 + Math.floor(Math.random() * 800000));
  const netA = await startSleeper(["--net", "--uts"], `${tag}1`);
  const idA = await nodeID(netA);

  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  const errors = watchErrors(page);
  await page.goto(`${server.url}?q=${encodeURIComponent(`cmd:${tag}`)}`);
  await page.waitForFunction((id) => window.nsweb?.conn === "live" && window.nsweb.has(id), idA, { timeout: 30000 });

  // The first frame shows the whole picture, and says it follows.
  const follow = page.locator("#follow");
  assert.equal(await page.evaluate(() => window.nsweb.following), true);
  assert.equal(await follow.getAttribute("aria-pressed"), "true");
  const first = await inView(page, idA);
  assert.ok(first.all, `the first frame is fitted: ${JSON.stringify(first)}`);

  // A namespace that starts while the view follows is on screen, untouched:
  // in a user namespace of its own, so the tree grows a branch.
  const cam0 = await page.evaluate(() => window.nsweb.camera);
  const netB = await startSleeper(["--user", "--map-root-user", "--net"], `${tag}2`);
  const idB = await nodeID(netB);
  await page.waitForFunction((id) => window.nsweb.has(id), idB, { timeout: 30000 });
  // The refit happens with the patch; wait for the frame that shows it.
  await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => r(true))));
  const grown = await inView(page, idB);
  assert.ok(grown.one, `the new namespace is on screen without a touch: ${JSON.stringify(grown)}`);
  assert.ok(grown.all, "and so is the rest of the picture");
  assert.ok(grown.count > first.count, "the tree grew");
  assert.notDeepEqual(await page.evaluate(() => window.nsweb.camera), cam0, "the view moved to follow it");
  assert.equal(await page.evaluate(() => window.nsweb.following), true);
  await page.screenshot({ path: path.join(ARTEFACTS, "follow-grown.png") });

  // Panning turns follow off, and the control says so.
  const box = await page.locator("#tree").boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 150, box.y + box.height / 2 + 40, { steps: 6 });
  await page.mouse.up();
  assert.equal(await page.evaluate(() => window.nsweb.following), false, "a pan stops following");
  assert.equal(await follow.getAttribute("aria-pressed"), "false");
  assert.equal((await follow.textContent())?.trim(), "Follow");

  // Out of view, a new namespace leaves the view alone and is pointed at.
  await page.focus("#tree");
  for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowRight");
  const away = await inView(page);
  const camAway = await page.evaluate(() => window.nsweb.camera);
  assert.equal(away.all, false, "the picture is out of view");
  const netC = await startSleeper(["--net"], `${tag}3`);
  const idC = await nodeID(netC);
  await page.waitForFunction((id) => window.nsweb.has(id) && window.nsweb.edgeMarks.some((m) => m.kind === "born"), idC, { timeout: 30000 });
  assert.deepEqual(await page.evaluate(() => window.nsweb.camera), camAway, "no refit while not following");
  const marks = await page.evaluate(() => window.nsweb.edgeMarks);
  assert.ok(marks.every((m) => m.x > 0 && m.x < box.width && m.y > 0 && m.y < box.height), "arrows are on the canvas");
  await page.screenshot({ path: path.join(ARTEFACTS, "follow-edge-marks.png") });

  // The control, reached by the keyboard, turns follow on: all in view again.
  await follow.focus();
  await page.keyboard.press("Enter");
  assert.equal(await follow.getAttribute("aria-pressed"), "true");
  assert.equal(await page.evaluate(() => window.nsweb.following), true);
  await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => r(true))));
  const back = await inView(page, idC);
  assert.ok(back.all && back.one, `Follow fits the whole picture again: ${JSON.stringify(back)}`);
  assert.deepEqual(errors, []);
  await page.close();
});
