// @ts-check
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startBrowser, watchErrors } from "./harness.mjs";

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;

before(async () => {
  server = await startServer();
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

test("the dashboard loads, its script runs, and the console stays clean", async () => {
  const page = await chrome.browser.newPage();
  const errors = watchErrors(page);
  const resp = await page.goto(server.url, { waitUntil: "load" });
  assert.equal(resp?.status(), 200);
  assert.match(await page.title(), /^nsweb — /);
  await page.waitForFunction(() => document.documentElement.dataset.app === "ready", null, { timeout: 10000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("healthz answers", async () => {
  const r = await fetch(new URL("healthz", server.url));
  assert.equal(r.status, 200);
  assert.equal((await r.json()).status, "ok");
});
