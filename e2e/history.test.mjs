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
import { watchErrors } from "./harness.mjs";
import { HistoryRig, sleep } from "./historyrig.mjs";

const rig = new HistoryRig("history");
const { name } = rig;
const root = process.getuid?.() === 0;

before(async () => {
  if (root) await rig.start();
});

after(() => rig.stop());

test("scrub the timeline back to see a namespace that ended, then return to live", { skip: !root && "needs root (ip netns)" }, async () => {
  await rig.recording();
  rig.netns("add");
  const named = await rig.waitEvent(`/run/netns/${name}`);
  const id = `ns:${named.ns}`;
  const born = await rig.waitEvent(`(${id})`, "born");
  await sleep(6000);
  rig.netns("delete");
  const ended = await rig.waitEvent(`(${id})`, "ended");
  await sleep(1500);
  const mid = (Date.parse(born.t) + Date.parse(ended.t)) / 2;

  const page = await rig.chrome.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 860 });
  const errors = watchErrors(page);
  await page.goto(rig.server.url + "?q=" + encodeURIComponent(id));
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
