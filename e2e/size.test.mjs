// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * First render of a big host in headless chromium (fake stream, synthetic
 * container host in the server's node shape, e2e/fixtures/gen.mjs
 * makeHost): 10k, 30k and 60k namespaces. It records, it does not judge:
 * the numbers go to artefacts/size.json and the output, and from there to
 * docs/benchmarks.md (a shared, busy machine would make a speed assert
 * flaky). NSWEB_SIZE_INFO=1 sends the nodes as they were before issue 14,
 * with their details, to measure the difference.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startBrowser, watchErrors, ARTEFACTS } from "./harness.mjs";
import { startFake } from "./fixtures/fakeserver.mjs";
import { makeHost } from "./fixtures/gen.mjs";

/** @type {import("./harness.mjs").Browser | undefined} */
let chrome;
after(async () => {
  await chrome?.close();
});

test("first render of the real server's synthetic host (NSWEB_SIZE_URL)", async (t) => {
  const url = process.env.NSWEB_SIZE_URL;
  if (!url) return t.skip("set NSWEB_SIZE_URL to a server of internal/stream TestServeSyntheticHost");
  chrome = chrome || (await startBrowser());
  const warm = await chrome.browser.newPage();
  await warm.goto(url);
  await warm.waitForFunction(() => window.nsweb?.timing.firstRender > 0, null, { timeout: 120000 });
  await warm.close();
  /** @type {Record<string, any>[]} */
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const page = await chrome.browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    const errors = watchErrors(page);
    await page.goto(url);
    await page.waitForFunction(() => window.nsweb?.nodeCount > 0 && window.nsweb.timing.firstRender > 0, null, { timeout: 120000 });
    const tm = await page.evaluate(() => window.nsweb.timing);
    runs.push({
      nodes: await page.evaluate(() => window.nsweb.nodeCount),
      firstRenderFromNavigationMs: Math.round(tm.firstRender),
      socketOpenMs: Math.round(tm.wsOpen),
      snapshotArrivedMs: Math.round(tm.firstBytes),
      parsedMs: Math.round(tm.firstSnapshot - tm.firstBytes),
      appliedMs: Math.round(tm.firstApplied - tm.firstSnapshot),
      firstFrameMs: Math.round(tm.firstFrameMs),
    });
    assert.deepEqual(errors, []);
    await page.close();
  }
  console.log(JSON.stringify({ url, runs }, null, 2));
  await mkdir(ARTEFACTS, { recursive: true });
  await writeFile(path.join(ARTEFACTS, "size-real.json"), JSON.stringify({ url, runs }, null, 2));
});

test("first render of a host at 10k, 30k and 60k namespaces", async () => {
  chrome = chrome || (await startBrowser());
  const info = process.env.NSWEB_SIZE_INFO === "1";
  /** @type {Record<string, any>} */
  const out = { info, viewport: "1280x800", sizes: {} };
  for (const ns of [10_000, 30_000, 60_000]) {
    const nodes = makeHost(Math.round((ns - 8) / 7), { info });
    const fake = await startFake(nodes);
    try {
      // A warm browser: a first page pays for the browser's start-up.
      const warm = await chrome.browser.newPage();
      await warm.goto(fake.url);
      await warm.close();
      const page = await chrome.browser.newPage();
      await page.setViewportSize({ width: 1280, height: 800 });
      const errors = watchErrors(page);
      await page.goto(fake.url);
      await page.waitForFunction((n) => window.nsweb?.nodeCount === n && window.nsweb.timing.firstRender > 0, nodes.length, { timeout: 120000 });
      const t = await page.evaluate(() => window.nsweb.timing);
      const bytes = JSON.stringify({ type: "snapshot", seq: 1, nodes }).length;
      out.sizes[ns] = {
        nodes: nodes.length,
        snapshotBytes: bytes,
        bytesPerNode: Math.round(bytes / nodes.length),
        firstRenderFromNavigationMs: Math.round(t.firstRender),
        snapshotArrivedMs: Math.round(t.firstBytes),
        parsedMs: Math.round(t.firstSnapshot - t.firstBytes),
        appliedMs: Math.round(t.firstApplied - t.firstSnapshot),
        firstFrameMs: Math.round(t.firstFrameMs),
        following: await page.evaluate(() => window.nsweb.following),
      };
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await fake.stop();
    }
  }
  console.log(JSON.stringify(out, null, 2));
  await mkdir(ARTEFACTS, { recursive: true });
  await writeFile(path.join(ARTEFACTS, info ? "size-info.json" : "size.json"), JSON.stringify(out, null, 2));
});
