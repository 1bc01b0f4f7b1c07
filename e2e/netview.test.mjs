// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * The Network view in the browser, against the real binary as root: the
 * view switch offers it, keeps it in the URL, shows only network namespaces
 * and draws the wiring without the overlay toggle.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, startBrowser, watchErrors, ip, deleteNetns, nsidOf, netnsNames, isRoot, waitWiring } from "./harness.mjs";

const [A, B] = netnsNames("netview");
const root = isRoot;

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;

before(async () => {
  if (!root) return;
  ip(["netns", "add", A]);
  ip(["netns", "add", B]);
  ip(["-n", A, "link", "add", "nva", "type", "veth", "peer", "name", "nvb", "netns", B]);
  server = await startServer();
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
  deleteNetns([A, B]);
});

/** The NSID of the network namespace bind-mounted at file. @param {string} file */
const nsid = (file) => nsidOf(server.url, "net", file);

test("the view switch to Network shows net namespaces only, keeps view=network in the URL and draws the wiring", { skip: !root && "needs root" }, async () => {
  const a = await nsid(`/run/netns/${A}`);
  const b = await nsid(`/run/netns/${B}`);
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const errors = watchErrors(page);
  // No filter: the owner view shows every type, so the switch is seen.
  await page.goto(server.url);
  await page.waitForFunction(() => window.nsweb?.conn === "live" && window.nsweb.seq >= 0, null, { timeout: 20000 });
  assert.equal(await page.locator("#wiring").isChecked(), false);
  await page.locator("#view").selectOption("network");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("view") === "network");
  // The picture on screen becomes network namespaces only, with the user
  // namespaces that own them as their frame.
  await page.waitForFunction(() => {
    const types = new Set(window.nsweb.ids().map((id) => window.nsweb.node(id)).filter((n) => n && n.ns).map((n) => n?.type));
    return types.has("net") && [...types].every((t) => t === "net" || t === "user");
  }, null, { timeout: 20000 });
  // The wiring is drawn with the toggle off (our veth pair, unless a busy
  // host folds the namespaces).
  await waitWiring(page, a, b);
  assert.equal(await page.locator("#wiring").isChecked(), false);
  assert.equal(new URL(page.url()).searchParams.has("wiring"), false);
  assert.match((await page.locator("#download").getAttribute("href")) || "", /view=network/);
  // Back to the owner view: no wires without the toggle.
  await page.locator("#view").selectOption("owner");
  await page.waitForFunction(() => document.getElementById("app")?.dataset.wiring === "", null, { timeout: 20000 });
  assert.deepEqual(errors, []);
  await page.close();
});
