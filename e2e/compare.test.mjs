// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * Compare two moments in the browser, against the real binary as root: a
 * network namespace made between moment A and moment B is in the summary
 * as appeared (and outlined in the picture of B) when the user marks A and
 * B on the timeline strip, and when B is the present; its link selects it;
 * Esc and "Leave compare" leave compare mode; a shift-click compares a
 * moment with the present. With the keyboard, a moment
 * before the recording began is refused with the range history keeps.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { watchErrors, ARTEFACTS } from "./harness.mjs";
import { HistoryRig, sleep } from "./historyrig.mjs";

const rig = new HistoryRig("compare");
const { name } = rig;
const root = process.getuid?.() === 0;

before(async () => {
  if (root) await rig.start();
});

after(() => rig.stop());

/**
 * Clicks the picking layer over the strip where moment t is (the strip
 * spans the last hour up to now).
 * @param {import("playwright-core").Page} page
 * @param {number} t
 */
async function clickMoment(page, t) {
  const box = await page.$eval("#cmp-pick", (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height };
  });
  const since = Date.now() - 3600_000;
  const x = box.left + ((t - since) / 3600_000) * box.width;
  await page.mouse.click(x, box.top + box.height / 2);
}

test("mark two moments on the strip, see what appeared between them, leave compare", { skip: !root && "needs root (ip netns)" }, async () => {
  await rig.recording();
  // A pixel of the strip is about 1.5 s of the hour it spans at this
  // width: the moments lie well apart from the namespace's birth.
  await sleep(6000);
  const tA = Date.now();
  await sleep(6000);
  rig.netns("add");
  const named = await rig.waitEvent(`/run/netns/${name}`);
  const id = `ns:${named.ns}`;
  await rig.waitEvent(`(${id})`, "born");
  await sleep(7000);
  const tB = Date.now();
  await sleep(10000); // B lies well left of the strip's right end, the present

  const page = await rig.chrome.browser.newPage();
  await page.setViewportSize({ width: 2400, height: 900 });
  const errors = watchErrors(page);
  await page.goto(rig.server.url + "?q=" + encodeURIComponent(id));
  await page.waitForFunction(() => window.nsweb?.conn === "live" && window.nsweb.seq >= 0, null, { timeout: 20000 });
  await page.waitForSelector("#cmp-start", { state: "visible" });
  await page.waitForFunction((id) => window.nsweb.has(id), id, { timeout: 15000 });

  // Two moments of the past, B marked first: the picture is B.
  await page.click("#cmp-start");
  assert.match(await page.textContent("#cmp-mode") || "", /click moment A/);
  assert.equal(await page.evaluate(() => window.nsweb.compare.state), "pick");
  await clickMoment(page, tB);
  assert.match(await page.textContent("#cmp-mode") || "", /click moment B/);
  await clickMoment(page, tA);
  await page.waitForSelector("#compare .cmp-summary", { state: "visible", timeout: 15000 });
  assert.match(await page.textContent("#cmp-mode") || "", /^Comparing \S.* → \S/);
  assert.doesNotMatch(await page.textContent("#cmp-mode") || "", /live/);
  await page.waitForFunction((id) => window.nsweb.at !== null && window.nsweb.has(id) && window.nsweb.compare.marked.includes(id), id, { timeout: 15000 }).catch(async (e) => {
    console.log(await page.evaluate(() => JSON.stringify({ at: window.nsweb.at, ids: window.nsweb.ids(), c: window.nsweb.compare, mode: document.getElementById("cmp-mode")?.textContent, panel: document.getElementById("compare")?.textContent })));
    throw e;
  });
  // The picture of B has it: its item is a link.
  await page.waitForSelector(`#compare .appeared button[data-ns="${id}"]`, { state: "visible", timeout: 5000 });
  const listed = await page.$$eval("#compare .appeared li", (lis) => lis.map((li) => li.textContent || ""));
  assert.ok(listed.some((s) => s.includes(`/run/netns/${name}`)), `appeared lists ${name}: ${listed.join(" | ")}`);
  assert.match(await page.textContent("#compare .cmp-summary") || "", /\d+ appeared · \d+ ended · \d+ moved/);
  await mkdir(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTEFACTS, "compare-past.png") });
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => window.nsweb.compare.state === "off" && window.nsweb.at === null && window.nsweb.conn === "live", null, { timeout: 15000 });
  assert.equal(await page.isVisible("#compare"), false);
  assert.equal(await page.isVisible("#cmp-mode"), false);

  // A and the present: the link selects the namespace in the live picture.
  await page.click("#cmp-start");
  await clickMoment(page, tA);
  await page.click("#cmp-live-b");
  await page.waitForSelector(`#compare .appeared button[data-ns="${id}"]`, { state: "visible", timeout: 15000 });
  assert.match(await page.textContent("#cmp-mode") || "", /^Comparing .* → live$/);
  assert.deepEqual(await page.evaluate(() => [window.nsweb.at, window.nsweb.compare.state]), [null, "on"]);
  assert.ok((await page.evaluate(() => window.nsweb.compare.marked)).includes(id));
  await page.click(`#compare .appeared button[data-ns="${id}"]`);
  await page.waitForFunction((id) => window.nsweb.selected === id, id, { timeout: 5000 });
  await page.screenshot({ path: path.join(ARTEFACTS, "compare-live.png") });
  await page.click("#cmp-leave");
  await page.waitForFunction(() => window.nsweb.compare.state === "off" && window.nsweb.compare.marked.length === 0, null, { timeout: 5000 });
  assert.equal(await page.isVisible("#compare"), false);
  assert.equal(await page.isVisible("#cmp-start"), true);
  assert.deepEqual(errors, []);

  // Shift-click on the strip: that moment against the one shown (live).
  const box = await page.$eval(".tl-track", (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height };
  });
  await page.keyboard.down("Shift");
  await page.mouse.click(box.left + ((tA - (Date.now() - 3600_000)) / 3600_000) * box.width, box.top + box.height / 2);
  await page.keyboard.up("Shift");
  await page.waitForSelector(`#compare .appeared button[data-ns="${id}"]`, { state: "visible", timeout: 15000 });
  assert.match(await page.textContent("#cmp-mode") || "", /^Comparing .* → live$/);
  assert.deepEqual(await page.evaluate(() => [window.nsweb.at, window.nsweb.compare.state]), [null, "on"]);
  await page.click("#cmp-leave");
  await page.waitForFunction(() => window.nsweb.compare.state === "off", null, { timeout: 5000 });
  assert.deepEqual(errors, []);

  // The keyboard: Compare… focuses the strip; Shift+← goes six minutes
  // back, before nsweb started recording: the server says what it keeps.
  await page.click("#cmp-start");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "cmp-pick");
  await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press("Enter");
  assert.match(await page.textContent("#cmp-mode") || "", /click moment B/);
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /no history at .*: it holds/.test(document.getElementById("cmp-mode")?.textContent || ""), null, { timeout: 15000 });
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => window.nsweb.compare.state === "off", null, { timeout: 5000 });
  await page.close();
});
