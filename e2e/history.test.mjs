// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * History in the browser, against the real binary as root: a network
 * namespace that lived for a few seconds is gone from the live picture;
 * scrubbing the timeline back to when it lived shows it, and "Back to
 * live" shows the present again.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer, startBrowser, watchErrors } from "./harness.mjs";

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;
/** @type {string} */
let stateDir;
const name = `history-e2e-${process.pid}`;
let added = false;

const root = process.getuid?.() === 0;

before(async () => {
  if (!root) return;
  stateDir = await mkdtemp(path.join(tmpdir(), "nsweb-history-"));
  server = await startServer(["--state-dir", stateDir]);
  chrome = await startBrowser();
});

after(async () => {
  if (added) execFileSync("ip", ["netns", "delete", name]);
  await chrome?.close();
  await server?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

/** @param {string} p */
async function get(p) {
  const r = await fetch(new URL(p, server.url));
  return r.json();
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The first recorded event whose text holds q (and of kind, if given).
 * @param {string} q
 * @param {string} [kind]
 */
async function waitEvent(q, kind) {
  for (let i = 0; i < 150; i++) {
    const page = await get("api/v1/history?q=" + encodeURIComponent(q));
    const e = page.events?.find((/** @type {any} */ e) => !kind || e.kind === kind);
    if (e) return e;
    await sleep(200);
  }
  throw new Error(`no ${kind || "event"} for ${q} in the history`);
}

test("scrub the timeline back to see a namespace that ended, then return to live", { skip: !root && "needs root (ip netns)" }, async () => {
  for (let i = 0; i < 100; i++) {
    const h = await get("healthz");
    if (h.history?.newest) break;
    await sleep(100);
  }
  execFileSync("ip", ["netns", "add", name]);
  added = true;
  const named = await waitEvent(`/run/netns/${name}`);
  const id = `ns:${named.ns}`;
  const born = await waitEvent(`(${id})`, "born");
  await sleep(6000);
  execFileSync("ip", ["netns", "delete", name]);
  added = false;
  const ended = await waitEvent(`(${id})`, "ended");
  await sleep(1500);
  const mid = (Date.parse(born.t) + Date.parse(ended.t)) / 2;

  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 860 });
  const errors = watchErrors(page);
  await page.goto(server.url + "?q=" + encodeURIComponent(id));
  await page.waitForFunction(() => window.nsweb?.conn === "live" && window.nsweb.seq >= 0, null, { timeout: 20000 });
  await page.waitForSelector("#tl-scrub", { state: "visible" });
  assert.equal(await page.evaluate((id) => window.nsweb.has(id), id), false, "the live picture has no ended namespace");
  assert.match(await page.textContent("#tl-mode") || "", /Live/);
  await page.waitForFunction(() => /^live/.test(document.getElementById("status-text")?.textContent || ""), null, { timeout: 5000 });
  // The change log is filled from history (on a busy host, with others'
  // changes too), so it survives the reload.
  await page.waitForFunction(() => document.querySelectorAll("#log li.hist").length > 0, null, { timeout: 10000 });
  // The log comes through the stream's replay: a reload shows the same
  // past again (from the start kept in sessionStorage), each line once.
  // Others' changes on a busy host may push older lines out of the newest
  // 100 meanwhile: lines as old as the oldest shown after the reload must
  // all be there.
  const lines = () => page.$$eval("#log li.hist:not(.more)", (lis) => lis.map((li) => ({
    t: Date.parse(li.querySelector("time")?.dateTime || ""),
    text: `${li.querySelector("time")?.dateTime} ${li.querySelector(".what")?.textContent}`,
  })));
  const before = await lines();
  // Lines are clipped to the panel: each one's words are its title too.
  const untitled = await page.$$eval("#log li:not(.more) .what", (els) => els.filter((e) => !e.getAttribute("title")?.includes((e.lastChild?.textContent || "").trim())).map((e) => e.textContent));
  assert.deepEqual(untitled, [], "every log line has its full words as a title");
  await page.reload();
  await page.waitForFunction(() => window.nsweb?.conn === "live" && document.querySelectorAll("#log li.hist").length > 0, null, { timeout: 20000 });
  const again = await lines();
  const texts = again.map((l) => l.text);
  assert.equal(new Set(texts).size, texts.length, "no line twice after a reload");
  const oldest = Math.min(...again.map((l) => l.t));
  for (const l of before.filter((l) => l.t > oldest)) assert.ok(texts.includes(l.text), `after the reload the log still has ${l.text}`);
  // The scrubber spans the last hour: put it where the namespace lived.
  await page.$eval("#tl-scrub", (el, mid) => {
    const input = /** @type {HTMLInputElement} */ (el);
    const until = Date.now(), since = until - 3600_000;
    input.value = String(Math.round(((mid - since) / (until - since)) * 1000));
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }, mid);
  await page.waitForFunction((id) => window.nsweb.at !== null && window.nsweb.has(id), id, { timeout: 15000 });
  assert.match(await page.textContent("#tl-mode") || "", /^At /);
  assert.equal(await page.isVisible("#tl-live"), true);
  assert.match(await page.getAttribute("#download", "href") || "", /at=/);
  // The header's status does not call the past "live".
  assert.match(await page.textContent("#status-text") || "", /^connected · showing/);

  await page.click("#tl-live");
  await page.waitForFunction((id) => window.nsweb.at === null && !window.nsweb.has(id) && window.nsweb.conn === "live", id, { timeout: 15000 });
  assert.match(await page.textContent("#tl-mode") || "", /Live/);
  await page.waitForFunction(() => /^live/.test(document.getElementById("status-text")?.textContent || ""), null, { timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
});
