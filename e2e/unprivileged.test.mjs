// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * nsweb run by an unprivileged user (nobody): it still serves what that
 * user can see, says in a banner what it cannot and why, and logs it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startBrowser, watchErrors } from "./harness.mjs";

const NOBODY = 65534;

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;

before(async () => {
  if (process.getuid?.() !== 0) return; // only root can become nobody
  server = await startServer([], { uid: NOBODY });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

test("an unprivileged run shows a banner and logs what it cannot see", async (t) => {
  if (!server) return t.skip("needs root to start nsweb as nobody");
  assert.match(server.output(), /level=WARN msg="partial view" reason="[^"]*unprivileged[^"]*run it as root/);
  const page = await chrome.browser.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.waitForFunction(() => window.nsweb?.conn === "live" && window.nsweb.nodeCount > 0, null, { timeout: 20000 });
  const banner = page.locator("#banner");
  assert.ok(await banner.isVisible(), "the banner is shown");
  const text = (await banner.textContent()) ?? "";
  assert.match(text, /Partial view: .*cannot see other users' processes and namespaces.*run it as root/);
  // Without root there are no kernel (BPF) events either: a second banner
  // says what updates slower, and why.
  const slow = page.locator("#events-banner");
  assert.ok(await slow.isVisible(), "the events banner is shown");
  assert.match((await slow.textContent()) ?? "", /Slower updates: .*safety rescan.*bpf unavailable: /);
  // What nobody can see is still drawn: at least its own namespaces.
  const snap = await (await fetch(new URL("api/v1/snapshot", server.url))).json();
  assert.ok(snap.nodes.length > 0, "the snapshot has nodes");
  assert.deepEqual(errors, []);
  await page.close();
});
