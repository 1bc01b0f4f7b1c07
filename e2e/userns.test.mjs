// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * The dashboard against the real nsweb binary on a host with 2,000
 * processes that each have a user namespace of their own (what rootless
 * engines, user-namespaced pods and browser sandboxes make): the default
 * view stays small (the sibling user namespaces fold into one group that
 * says what it holds), its labels are readable after Fit, and the initial
 * namespaces say "host". A screenshot goes to artefacts/.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { startServer, startBrowser, watchErrors, ARTEFACTS } from "./harness.mjs";

const SLEEPERS = 2000;

/** @type {import("node:child_process").ChildProcess[]} */
const sleepers = [];
/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;

before(async () => {
  for (let i = 0; i < SLEEPERS; i++) {
    const p = spawn("unshare", ["--user", "sleep", "900"], { stdio: "ignore" });
    p.on("error", () => {});
    sleepers.push(p);
    // A breather now and then, so that a busy host keeps up.
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
  }
  server = await startServer();
  chrome = await startBrowser();
}, { timeout: 600_000 });

after(async () => {
  await chrome?.close();
  await server?.stop();
  for (const p of sleepers) p.kill("SIGKILL");
});

test("2,000 user-namespaced processes: a small default view, readable after Fit, the host's namespaces say host", { timeout: 600_000 }, async () => {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 860 });
  const errors = watchErrors(page);
  await page.goto(server.url);
  // The group of sibling user namespaces holds every sleeper once the
  // scans have seen them all.
  const handle = await page.waitForFunction(
    (n) => {
      if (window.nsweb?.conn !== "live" || window.nsweb.seq < 0) return false;
      return window.nsweb.ids().find((id) => id.endsWith(":dirs") && (window.nsweb.node(id)?.count || 0) >= n) || false;
    },
    SLEEPERS,
    { timeout: 120_000, polling: 500 },
  );
  const group = /** @type {string} */ (await handle.jsonValue());
  const count = await page.evaluate(() => window.nsweb.nodeCount);
  assert.ok(count <= 1500, `default view: ${count} nodes, want at most 1,500`);

  const hosts = await page.evaluate(() => window.nsweb.ids().map((id) => window.nsweb.node(id)).filter((n) => n && / · host$/.test(n.label)).map((n) => n?.label || ""));
  assert.ok(hosts.some((l) => l.startsWith("user ")), `the initial user namespace says host: ${hosts}`);
  assert.ok(hosts.length >= 2, `the initial namespaces say host: ${hosts}`);

  await page.click("#fit");
  await page.waitForTimeout(300);
  const st = await page.evaluate(() => ({ scale: window.nsweb.camera.scale, labels: window.nsweb.stats.labels, drawn: window.nsweb.drawn, nodes: window.nsweb.nodeCount }));
  assert.equal(st.drawn, st.nodes, "everything on screen after Fit");
  assert.ok(st.labels, "labels drawn after Fit");
  assert.ok(12 * st.scale >= 11, `label text ${(12 * st.scale).toFixed(1)} px after Fit, want at least 11`);
  await mkdir(ARTEFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTEFACTS, "userns-2000-fit.png") });

  // The group's details say what it holds. A click opens a group; a link
  // that selects it (?sel=) shows its details.
  await page.goto(`${server.url}?sel=${encodeURIComponent(group)}`);
  await page.waitForFunction(() => /user namespaces/.test(document.getElementById("details-rows")?.textContent || ""), null, { timeout: 20_000 });
  const rows = (await page.locator("#details-rows").textContent()) || "";
  const m = /Members([\d,]+) user namespaces/.exec(rows);
  assert.ok(m && Number(m[1].replace(/,/g, "")) >= SLEEPERS, rows);
  assert.match(rows, /Most processes/);
  assert.doesNotMatch((await page.locator("#procs-note").textContent()) || "", /No member processes/);
  await page.screenshot({ path: path.join(ARTEFACTS, "userns-2000-group-details.png") });
  assert.deepEqual(errors, []);
  await page.close();
});
