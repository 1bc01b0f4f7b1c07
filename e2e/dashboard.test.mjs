// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * Browser tests of the dashboard against the fake stream (fixtures/), where
 * the test decides exactly what the page receives: patches, seq gaps,
 * dropped connections, server errors, hostile names. The tests against the
 * real binary and host live in host.test.mjs.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBrowser, watchErrors } from "./harness.mjs";
import { startFake } from "./fixtures/fakeserver.mjs";
import { makeTree } from "./fixtures/gen.mjs";

/** @type {import("./fixtures/fakeserver.mjs").Fake} */
let fake;
/** @type {import("./harness.mjs").Browser} */
let chrome;

before(async () => {
  fake = await startFake(makeTree(5, 6));
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await fake?.stop();
});

/**
 * Open the page and wait for the first snapshot to be drawn.
 * @param {string} [query]
 */
async function open(query = "") {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  const errors = watchErrors(page);
  await page.goto(fake.url + query);
  await page.waitForFunction(() => window.nsweb?.nodeCount > 0 && window.nsweb.timing.firstRender > 0);
  return { page, errors };
}

/** @typedef {import("playwright-core").Page} Page */

/** @param {Page} page */
const ids = (page) => page.evaluate(() => window.nsweb.ids().sort());

/**
 * Click the middle of a node as a user would.
 * @param {Page} page
 * @param {string} id
 */
async function clickNode(page, id) {
  const r = await page.evaluate((id) => window.nsweb.nodeRect(id), id);
  assert.ok(r, `node ${id} is on the page`);
  await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
}

test("the snapshot is drawn in full, with legend, summary and a live indicator", async () => {
  const { page, errors } = await open();
  assert.deepEqual(await ids(page), fake.nodes.map((n) => n.id).sort());
  await page.click("#fit");
  await page.waitForFunction((n) => window.nsweb.drawn === n, fake.nodes.length);
  const st = await page.evaluate(() => ({ drawn: window.nsweb.drawn, app: document.getElementById("app")?.dataset }));
  assert.equal(st.drawn, fake.nodes.length, "all nodes in view after fit");
  assert.equal(st.app?.nodes, String(fake.nodes.length));
  assert.equal(await page.locator("#status").getAttribute("data-state"), "live");
  assert.match(await page.locator("#summary").textContent() || "", /35 namespaces · 70 processes · 3 containers · 35 nodes shown/);
  assert.equal(await page.locator("#legend li").count(), 14, "8 types, 5 kinds of box and folded containers");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.app), "ready");
  assert.deepEqual(errors, []);
  await page.close();
});

test("patches add, update and remove nodes without a reload; churn is marked and logged", async () => {
  const { page, errors } = await open();
  const marker = await page.evaluate(() => (/** @type {any} */ (window).marker = Math.random()));
  const base = fake.nodes[0];
  const victim = fake.nodes[3];
  const added = { ...fake.nodes[2], id: "ns:4026599999", ns: 4026599999, label: "net 4026599999 · brand-new", y: fake.nodes[2].y + 400 };
  // The victim ended; the other one only left the view (a filter stopped
  // matching it, say).
  const leaver = fake.nodes[4];
  fake.patch({ add: [added], born: [added.id], remove: [victim.id, leaver.id], ended: [victim.id], update: [{ ...base, label: "user 4026531837 · renamed" }] });
  await page.waitForFunction((id) => window.nsweb.has(id), added.id);
  assert.equal(await page.evaluate((id) => window.nsweb.has(id), victim.id), false);
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).marker), marker, "no reload");
  const marks = await page.evaluate(() => ({ born: window.nsweb.born, ghosts: window.nsweb.ghosts }));
  assert.deepEqual(marks, { born: [added.id], ghosts: [victim.id, leaver.id] });
  const log = await page.locator("#log li").allTextContents();
  assert.ok(log.some((l) => l.includes("+") && l.includes("brand-new")), log.join("\n"));
  assert.ok(log.some((l) => l.includes("renamed")), log.join("\n"));
  // What ended is struck through and read as "ended"; what left the view
  // is not, and says so.
  const line = (/** @type {string} */ label) => page.locator("#log li", { hasText: label }).first();
  assert.equal(await line(victim.label).getAttribute("class"), "del");
  assert.equal(await line(victim.label).locator(".what").textContent(), `ended: ${victim.label}`);
  assert.equal(await line(leaver.label).getAttribute("class"), "left");
  assert.equal(await line(leaver.label).locator(".what").textContent(), `left the view: ${leaver.label}`);
  assert.equal(await line("brand-new").locator(".what").textContent(), "appeared: net 4026599999 · brand-new");
  // The words are for screen readers, the signs for the eye.
  assert.equal(await page.locator("#log li .sign:not([aria-hidden=true])").count(), 0, "signs are hidden from screen readers");
  assert.equal(await page.locator("#log li .sign[aria-label]").count(), 0);
  const box = await line(victim.label).locator(".sr-only").boundingBox();
  assert.ok(box && box.width <= 1 && box.height <= 1, `the words are visually hidden: ${JSON.stringify(box)}`);
  const struck = await line(leaver.label).locator(".what").evaluate((e) => getComputedStyle(e).textDecorationLine);
  assert.equal(struck, "none", "a namespace that left the view is not struck through");
  // The marks fade away.
  await page.waitForFunction(() => window.nsweb.born.length === 0 && window.nsweb.ghosts.length === 0, null, { timeout: 10000 });
  fake.patch({ move: [{ id: added.id, x: 5000, y: 5000 }] });
  await page.waitForFunction((id) => window.nsweb.node(id)?.x === 5000, added.id);
  fake.patch({ remove: [added.id], add: [victim, leaver] });
  await page.waitForFunction((id) => window.nsweb.has(id), victim.id);
  assert.deepEqual(errors, []);
  await page.close();
});

test("only what is new on the host appeared; what unfolded entered the view; what ended in a group is counted", async (t) => {
  const original = fake.nodes.slice();
  t.after(() => fake.setNodes(original));
  const root = original[0];
  /**
   * @param {string} id @param {string} type @param {number} count @param {number} y
   * @returns {import("../web/static/store.js").WireNode}
   */
  const group = (id, type, count, y) => ({ id, kind: "group", type, folds: type ? "file" : "container", label: `+${count} ${type || "containers"}`, count, parent: root.id, x: -900, y, w: 140, h: 30 });
  // The reviewer's host: 57 net namespaces, the host's own among them,
  // folded into one group, beside 60 folded containers.
  const nets = group(`grp:${root.id}:net`, "net", 57, 0);
  const ctrs = group(`grp:${root.id}:ctr`, "", 60, 60);
  fake.setNodes([...original, nets, ctrs]);
  const { page, errors } = await open();
  // 7 of them are deleted: the 50 left unfold, and one more is new.
  const survivors = Array.from({ length: 50 }, (_, i) => {
    const ns = 4026700000 + i;
    return { ...original[2], id: `ns:${ns}`, ns, type: "net", parent: root.id, label: `net ${ns} · ${i < 49 ? "netns" : "kthreadd"}`, x: -900 + 10 * i, y: 200 };
  });
  const fresh = { ...survivors[0], id: "ns:4026799999", ns: 4026799999, label: "net 4026799999 · fresh", y: 260 };
  fake.patch({ remove: [nets.id], add: [...survivors, fresh], born: [fresh.id], folded: [{ id: nets.id, ended: 7 }] });
  await page.waitForFunction((id) => window.nsweb.has(id), fresh.id);
  assert.deepEqual(await page.evaluate(() => window.nsweb.born), [fresh.id], "only the new namespace is marked new");
  const line = (/** @type {string} */ text) => page.locator("#log li", { hasText: text }).first();
  // 53 changes: the log has room for 30, what happened on the host first.
  const ended = line("7 net namespaces ended");
  assert.equal(await ended.locator(".what").textContent(), "7 net namespaces ended (in +57 net)");
  assert.equal(await ended.getAttribute("class"), "del in");
  assert.equal(await ended.locator(".what").evaluate((e) => getComputedStyle(e).textDecorationLine), "none", "the group is not struck through");
  assert.equal(await line("fresh").locator(".what").textContent(), `appeared: ${fresh.label}`);
  assert.equal(await line("kthreadd").getAttribute("class"), "entered", "the host's own net namespace is not new");
  assert.equal(await line("kthreadd").locator(".what").textContent(), `entered the view: ${survivors[49].label}`);
  const added = await page.locator("#log li.add").allTextContents();
  assert.deepEqual(added.filter((l) => l.includes("netns") || l.includes("kthreadd")), [], "no survivor appeared");
  assert.match(await page.locator("#log li.more").first().textContent() || "", /… and 23 more changes/);
  // A container starts among the folded ones: counted in the group, which
  // is not marked new, in place of a "changed" line.
  fake.patch({ update: [{ ...ctrs, count: 61, label: "+61 containers" }], folded: [{ id: ctrs.id, born: 1 }] });
  await page.waitForFunction((id) => window.nsweb.node(id)?.count === 61, ctrs.id);
  const started = line("1 container appeared");
  assert.equal(await started.locator(".what").textContent(), "1 container appeared (in +61 containers)");
  assert.equal(await started.getAttribute("class"), "add in");
  assert.equal(await started.locator("button.what").getAttribute("data-id"), ctrs.id, "a click on it shows the group");
  assert.equal(await page.locator("#log li", { hasText: "+61 containers" }).count(), 1, "no changed line beside it");
  assert.equal((await page.evaluate(() => window.nsweb.born)).includes(ctrs.id), false, "a group is not new");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a seq gap makes the page ask again with since, and it resyncs", async () => {
  const { page, errors } = await open();
  const seq = await page.evaluate(() => window.nsweb.seq);
  const n = fake.hellos.length;
  const extra = { ...fake.nodes[1], id: "ns:4026588888", ns: 4026588888, label: "mnt 4026588888 · after-gap", y: -300 };
  fake.patch({ add: [extra] }, { skip: 1 });
  await page.waitForFunction((id) => window.nsweb.has(id), extra.id);
  const resume = fake.hellos.slice(n).find((h) => h.type === "hello");
  assert.ok(resume, "a hello after the gap");
  assert.equal(resume.since, seq, "since is the last applied seq");
  assert.equal(await page.evaluate(() => window.nsweb.timing.gaps), 1);
  fake.patch({ remove: [extra.id] });
  await page.waitForFunction((id) => !window.nsweb.has(id), extra.id);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a dropped connection shows reconnecting, then stale, and heals by itself", async () => {
  const { page, errors } = await open();
  const seq = await page.evaluate(() => window.nsweb.seq);
  const n = fake.hellos.length;
  fake.refuse(true);
  fake.drop();
  await page.waitForFunction(() => document.getElementById("status")?.dataset.state === "reconnecting");
  await page.waitForFunction(() => document.getElementById("status")?.dataset.state === "stale", null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.nsweb.nodeCount), fake.nodes.length, "the picture stays while down");
  fake.refuse(false);
  await page.waitForFunction(() => document.getElementById("status")?.dataset.state === "live", null, { timeout: 20000 });
  const resume = fake.hellos.slice(n).find((h) => h.type === "hello");
  assert.equal(resume?.since, seq, "the reconnect resumes from the last seq");
  // Chromium logs each refused handshake; nothing else may appear.
  assert.deepEqual(errors.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
  await page.close();
});

test("search sends the filter, narrows the view, lives in the URL and survives a reload", async () => {
  const { page, errors } = await open();
  const all = await page.evaluate(() => window.nsweb.nodeCount);
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q", "/ focuses the search");
  await page.keyboard.type("type:net");
  await page.keyboard.press("Enter");
  await page.waitForFunction((all) => window.nsweb.nodeCount < all && window.nsweb.q === "type:net", all);
  const hello = fake.hellos.filter((h) => h.type === "hello").at(-1);
  assert.equal(hello.q, "type:net");
  const kept = await page.evaluate(() => window.nsweb.ids().map((id) => window.nsweb.node(id)));
  assert.ok(kept.every((n) => n?.type === "net" || n?.kind === "dir"), "only matches and their ancestors");
  assert.ok(kept.some((n) => n?.type === "net"));
  assert.match(page.url(), /\?q=type%3Anet$/);
  assert.match(await page.locator("#download").getAttribute("href") || "", /^\/snapshot\.svg\?view=owner&q=type%3Anet$/);
  await page.reload();
  await page.waitForFunction(() => window.nsweb?.nodeCount > 0);
  assert.equal(await page.inputValue("#q"), "type:net");
  assert.equal(await page.evaluate(() => window.nsweb.nodeCount), kept.length);
  // A filter the server refused is reported next to the box; the picture,
  // the summary and the URL keep the filter on screen, so a reload or a
  // shared link still shows it.
  await page.fill("#q", "bogus:1");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => (document.getElementById("q-error")?.textContent || "").includes("unknown key"));
  assert.equal(await page.getAttribute("#q", "aria-invalid"), "true");
  await page.waitForFunction(() => window.nsweb.q === "type:net");
  assert.match(page.url(), /\?q=type%3Anet$/);
  assert.equal(await page.inputValue("#q"), "bogus:1", "what was typed stays, to be fixed");
  assert.equal(await page.evaluate(() => window.nsweb.nodeCount), kept.length);
  assert.match(await page.locator("#summary").textContent() || "", /filter “type:net”/);
  await page.waitForTimeout(300);
  assert.equal(await page.locator("#q-error").textContent() !== "", true, "the error stays until the filter is edited");
  // More bad filters in a row, with no data between them: each is one
  // refusal of the user's own request, and the filter on screen stays.
  for (const bad of ["bogus:2", "bogus:3", "bogus:4"]) {
    const from = fake.hellos.length;
    await page.fill("#q", bad);
    await page.keyboard.press("Enter");
    const qsFrom = () => fake.hellos.slice(from).filter((h) => h.type === "hello").map((h) => h.q);
    for (let i = 0; i < 50 && qsFrom().length < 2; i++) await page.waitForTimeout(50);
    await page.waitForTimeout(200); // and nothing after
    const qs = qsFrom();
    assert.deepEqual(qs, [bad, "type:net"], `${bad}: refused, then the filter on screen asked again`);
    assert.equal(await page.evaluate(() => window.nsweb.q), "type:net");
    assert.match(page.url(), /\?q=type%3Anet$/);
    assert.equal(await page.evaluate(() => window.nsweb.nodeCount), kept.length);
  }
  await page.fill("#q", "");
  await page.keyboard.press("Enter");
  await page.waitForFunction((all) => window.nsweb.nodeCount === all, all);
  assert.equal(await page.locator("#q-error").textContent(), "");
  assert.equal(new URL(page.url()).search, "");
  assert.deepEqual(errors, []);
  await page.close();
});

test("clicking a node opens its details with the full process list; hostile names stay text", async () => {
  const { page, errors } = await open();
  const target = fake.nodes.find((n) => n.kind === "file" && n.type === "net");
  assert.ok(target);
  /** @type {string[]} */
  const asked = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/v1/ns/")) asked.push(decodeURIComponent(u.pathname));
  });
  await clickNode(page, target.id);
  await page.waitForSelector("#details:not([hidden])");
  assert.equal(await page.locator("#details-title").textContent(), target.label);
  await page.waitForFunction(() => document.querySelectorAll("#procs tbody tr").length > 1 && !/Loading/.test(document.getElementById("procs-note")?.textContent || ""));
  const rows = await page.locator("#procs tbody tr").allTextContents();
  assert.ok(rows.some((r) => r.includes("99999") && r.includes("<img src=x onerror=alert(1)>")), rows.join("\n"));
  assert.equal(await page.locator("#details img, #details b").count(), 0, "markup in names is not parsed");
  // By NSID only: a bare number also matches inodes on the server.
  assert.deepEqual([...new Set(asked)], [`/api/v1/ns/ns:${target.ns}`]);
  const dl = await page.locator("#details-rows").textContent();
  assert.ok(dl?.includes(String(target.ns)));
  assert.equal(new URL(page.url()).searchParams.get("sel"), target.id);
  // The region is labelled by its heading.
  assert.equal(await page.getAttribute("#details", "role"), "region");
  // Copying works (with the fallback on plain http).
  await page.locator("#details-rows button.copy").first().click();
  await page.waitForFunction(() => [...document.querySelectorAll("#details-rows button.copy")].some((b) => /Copied|Copy failed/.test(b.textContent || "")));
  // Reloading restores the selection.
  await page.reload();
  await page.waitForSelector("#details:not([hidden])");
  assert.equal(await page.locator("#details-title").textContent(), target.label);
  await page.keyboard.press("Escape");
  await page.waitForSelector("#details", { state: "hidden" });
  assert.equal(new URL(page.url()).searchParams.get("sel"), null);
  assert.deepEqual(errors, []);
  await page.close();
});

/** @typedef {import("../web/static/store.js").WireNode} WireNode */

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A net namespace of its own for a details test, in the shape the fixture's
 * /api/v1/ns/{id} turns into a full answer (its sample is the process list).
 * @param {number} nsid
 * @param {string} label
 * @param {{pid: number, comm: string, cmdline: string, uid: number}[]} procs
 * @returns {WireNode}
 */
function ownNode(nsid, label, procs) {
  const base = /** @type {WireNode} */ (fake.nodes.find((n) => n.kind === "file" && n.type === "net"));
  return {
    ...base, id: `ns:${nsid}`, ns: nsid, label, y: base.y - 600,
    info: { ...base.info, inode: nsid, procs: procs.length, leader: procs[0], sample: procs, heldBy: [], containers: [] },
  };
}

/**
 * Console errors but the one Chromium logs for every 404 answer, which
 * /api/v1/ns/{id} gives for a namespace that ended.
 * @param {string[]} errors
 */
const but404 = (errors) => errors.filter((e) => !/status of 404/.test(e));

test("open details follow their namespace: refreshed at a bounded rate, keeping focus and scroll; an end is said", async (t) => {
  const original = fake.nodes.slice();
  t.after(() => fake.setNodes(original));
  const nsid = 4026577777;
  const id = `ns:${nsid}`;
  /** @param {number} rev */
  const version = (rev) => ownNode(nsid, `net ${nsid} · rev${rev}`, Array.from({ length: 40 }, (_, k) => ({ pid: 5000 + k, comm: `rev${rev}`, cmdline: `/bin/rev${rev} --n ${k}`, uid: 0 })));
  fake.setNodes([...original, version(0)]);
  const { page, errors } = await open(`?sel=${encodeURIComponent(id)}`);
  /** @param {string} text */
  const procsShow = (text) => page.waitForFunction((text) => (document.getElementById("procs")?.textContent || "").includes(text), text, { timeout: 10000 });
  await page.waitForSelector("#details:not([hidden])");
  await procsShow("/bin/rev0 --n 39");
  assert.equal(await page.getAttribute("#details", "data-state"), "live");
  /** @type {number[]} */
  const asked = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/v1/ns/")) asked.push(Date.now());
  });
  // The reader is typing elsewhere, with the process list scrolled.
  await page.focus("#q");
  await page.evaluate(() => (/** @type {HTMLElement} */ (document.querySelector(".procs-wrap")).scrollTop = 120));

  // Thirty changes in about two seconds: the panel keeps up, the server is
  // asked a few times, never twice within a second, and last after the last change.
  for (let rev = 1; rev <= 30; rev++) {
    fake.patch({ update: [version(rev)] });
    await sleep(60);
  }
  await page.waitForFunction(() => document.getElementById("details-title")?.textContent?.endsWith("rev30"));
  await procsShow("/bin/rev30 --n 39");
  await sleep(1500);
  assert.ok(asked.length >= 2 && asked.length <= 5, `asked ${asked.length} times`);
  for (let i = 1; i < asked.length; i++) assert.ok(asked[i] - asked[i - 1] >= 900, `requests ${asked[i] - asked[i - 1]} ms apart`);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q", "the panel took no focus");
  assert.equal(await page.evaluate(() => /** @type {HTMLElement} */ (document.querySelector(".procs-wrap")).scrollTop), 120, "nor the scroll position");
  assert.equal((await page.locator("#procs-note").textContent()), "41 processes.");

  // A control in a redrawn row keeps the focus.
  await page.focus('#procs button[data-focus="copy:5003"]');
  fake.patch({ update: [version(31)] });
  await procsShow("/bin/rev31 --n 39");
  assert.equal(await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).dataset.focus), "copy:5003");
  assert.equal(await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).getAttribute("aria-label")), "Copy command of PID 5003");

  // Out of view, yet alive: said so, with what the server knows.
  await page.fill("#q", "type:mnt");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("details")?.dataset.state === "away" && /Not in this view/.test(document.getElementById("details-state")?.textContent || ""));
  assert.equal(await page.locator("#details-state").isVisible(), true);
  await page.fill("#q", "");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("details")?.dataset.state === "live");
  assert.equal(await page.locator("#details-state").isVisible(), false);
  await procsShow("/bin/rev31 --n 39");

  // It ends: no stale processes, a clear word, and no more questions.
  fake.patch({ remove: [id], ended: [id] });
  await page.waitForFunction(() => document.getElementById("details")?.dataset.state === "ended", null, { timeout: 10000 });
  assert.match(await page.locator("#details-state").textContent() || "", /^Ended: this namespace no longer exists/);
  assert.equal(await page.locator("#details-state").getAttribute("role"), "status");
  assert.equal(await page.locator("#procs tbody tr").count(), 0);
  assert.equal(await page.locator("#procs-note").textContent(), "No member processes.");
  assert.equal(await page.locator("#details-title").textContent(), `net ${nsid} · rev31`, "what it was stays");
  const footer = (await page.locator("#summary").textContent()) || "";
  assert.match(footer, new RegExp(`selected ${id} ended`), "the footer agrees with the panel");
  assert.doesNotMatch(footer, /is not in this view/);
  const n = asked.length;
  fake.patch({ update: [{ ...original[1], label: `${original[1].label} · touched` }] });
  await sleep(1500);
  assert.equal(asked.length, n, "an ended namespace is not asked after");
  assert.deepEqual(but404(errors), []);
  await page.close();
});

test("a link to a namespace the view does not show opens its details from the server; the footer agrees with the panel", async () => {
  const target = fake.nodes.find((n) => n.kind === "file" && n.type === "mnt" && !n.info?.containers?.length);
  assert.ok(target);
  const { page, errors } = await open(`?q=type%3Anet&sel=${encodeURIComponent(target.id)}`);
  await page.waitForSelector("#details:not([hidden])");
  await page.waitForFunction(() => /^Not in this view/.test(document.getElementById("details-state")?.textContent || ""));
  assert.equal(await page.getAttribute("#details", "data-state"), "away");
  assert.equal(await page.evaluate((id) => window.nsweb.has(id), target.id), false, "the filter hides it");
  assert.equal(await page.locator("#details-title").textContent(), target.label);
  await page.waitForFunction(() => (document.getElementById("procs")?.textContent || "").includes("99999"));
  assert.ok(((await page.locator("#details-rows").textContent()) || "").includes(String(target.ns)));
  assert.match((await page.locator("#summary").textContent()) || "", new RegExp(`selected ${target.id} is not in this view`));
  // Once the view shows it, the panel follows it live, and the footer has nothing to add.
  await page.fill("#q", "");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("details")?.dataset.state === "live");
  assert.equal(await page.locator("#details-state").isVisible(), false);
  assert.doesNotMatch((await page.locator("#summary").textContent()) || "", /selected/);
  assert.deepEqual(errors, []);
  await page.close();

  // A link to a namespace that ended: the panel says so, and so does the footer.
  const gone = "ns:4026699999";
  const ended = await open(`?sel=${gone}`);
  await ended.page.waitForFunction(() => document.getElementById("details")?.dataset.state === "ended");
  assert.match((await ended.page.locator("#details-state").textContent()) || "", /^Ended: this namespace no longer exists/);
  assert.equal(await ended.page.locator("#details-title").textContent(), gone);
  const footer = (await ended.page.locator("#summary").textContent()) || "";
  assert.match(footer, new RegExp(`selected ${gone} ended`));
  assert.doesNotMatch(footer, /is not in this view/);
  assert.deepEqual(but404(ended.errors), []);
  await ended.page.close();
});

test("a long command line is cut to three lines and opens in full on a click, Enter or Space", async (t) => {
  const original = fake.nodes.slice();
  t.after(() => fake.setNodes(original));
  const long = `/usr/lib/jvm/bin/java ${Array.from({ length: 60 }, (_, i) => `-Dopt${i}=value${i}`).join(" ")} -jar app.jar`;
  const node = ownNode(4026577778, "net 4026577778 · java", [
    { pid: 6000, comm: "java", cmdline: long, uid: 0 },
    { pid: 6001, comm: "sh", cmdline: "sh", uid: 0 },
  ]);
  fake.setNodes([...original, node]);
  const { page, errors } = await open(`?sel=${encodeURIComponent(node.id)}`);
  await page.waitForFunction(() => (document.getElementById("procs")?.textContent || "").includes("-jar app.jar"), null, { timeout: 10000 });
  const cell = page.locator('#procs .cmd[data-pid="6000"]');
  const height = () => cell.evaluate((e) => e.clientHeight);
  assert.equal(await cell.getAttribute("role"), "button");
  assert.equal(await cell.getAttribute("aria-expanded"), "false");
  assert.equal(await cell.getAttribute("tabindex"), "0");
  assert.equal(await cell.getAttribute("title"), long, "the tooltip has it all");
  const cut = await height();
  assert.ok(await cell.evaluate((e) => e.scrollHeight > e.clientHeight), "cut to three lines");
  const short = page.locator('#procs .cmd[data-pid="6001"]');
  assert.equal(await short.getAttribute("role"), null, "a line that fits is no button");
  assert.equal(await short.getAttribute("tabindex"), null);

  await cell.focus();
  await page.keyboard.press("Enter");
  assert.equal(await cell.getAttribute("aria-expanded"), "true");
  assert.ok((await height()) > 2 * cut, `opened: ${cut} → ${await height()} px`);
  assert.ok(await cell.evaluate((e) => e.scrollHeight <= e.clientHeight + 1), "nothing hidden");
  // A change of the namespace redraws the panel; the line stays open and focused.
  fake.patch({ update: [{ ...node, label: "net 4026577778 · java2" }] });
  await page.waitForFunction(() => document.getElementById("details-title")?.textContent === "net 4026577778 · java2");
  await sleep(1200);
  assert.equal(await cell.getAttribute("aria-expanded"), "true");
  assert.equal(await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).dataset.focus), "cmd:6000");
  await page.keyboard.press(" ");
  assert.equal(await cell.getAttribute("aria-expanded"), "false");
  assert.equal(await height(), cut);
  await cell.click();
  assert.equal(await cell.getAttribute("aria-expanded"), "true");
  await cell.click();
  assert.equal(await cell.getAttribute("aria-expanded"), "false");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the keyboard reaches nodes: Tab walks them, Enter opens, + − 0 and arrows move the view", async () => {
  const { page, errors } = await open();
  await page.focus("#tree");
  await page.keyboard.press("0");
  const cam0 = await page.evaluate(() => window.nsweb.camera);
  await page.keyboard.press("+");
  const cam1 = await page.evaluate(() => window.nsweb.camera);
  assert.ok(cam1.scale > cam0.scale);
  await page.keyboard.press("-");
  await page.keyboard.press("-");
  assert.ok((await page.evaluate(() => window.nsweb.camera)).scale < cam1.scale);
  await page.keyboard.press("ArrowRight");
  const cam2 = await page.evaluate(() => window.nsweb.camera);
  await page.keyboard.press("0");
  assert.deepEqual(await page.evaluate(() => window.nsweb.camera), cam0, "0 fits again");
  assert.notDeepEqual(cam2, cam0);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  const said = await page.locator("#focus-say").textContent();
  assert.ok(said && said.length > 0, "the focused node is announced");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#details:not([hidden])");
  assert.equal(await page.locator("#details-title").textContent(), said);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "details-title", "focus moves into the panel");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#details", { state: "hidden" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("wheel zooms around the cursor and dragging pans", async () => {
  const { page, errors } = await open();
  const box = await page.locator("#tree").boundingBox();
  assert.ok(box);
  const cx = box.x + 300, cy = box.y + 300;
  const world = (/** @type {{scale: number, x: number, y: number}} */ c) => ({ x: (300 - c.x) / c.scale, y: (300 - c.y) / c.scale });
  const c0 = await page.evaluate(() => window.nsweb.camera);
  await page.mouse.move(cx, cy);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((s) => window.nsweb.camera.scale > s, c0.scale);
  const c1 = await page.evaluate(() => window.nsweb.camera);
  const w0 = world(c0), w1 = world(c1);
  assert.ok(Math.abs(w0.x - w1.x) < 1 && Math.abs(w0.y - w1.y) < 1, "the point under the cursor stays");
  await page.mouse.down();
  await page.mouse.move(cx + 120, cy + 40, { steps: 5 });
  await page.mouse.up();
  const c2 = await page.evaluate(() => window.nsweb.camera);
  assert.ok(Math.abs(c2.x - c1.x - 120) < 1 && Math.abs(c2.y - c1.y - 40) < 1, JSON.stringify([c1, c2]));
  assert.equal(await page.locator("#details").isHidden(), true, "a drag is not a click");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a two-finger pinch zooms around its middle", async () => {
  const { page, errors } = await open();
  const c0 = await page.evaluate(() => window.nsweb.camera);
  await page.evaluate(() => {
    const c = /** @type {HTMLCanvasElement} */ (document.getElementById("tree"));
    const r = c.getBoundingClientRect();
    /** @param {string} type @param {number} id @param {number} x */
    const ev = (type, id, x) => c.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: "touch", clientX: r.left + x, clientY: r.top + 300, bubbles: true }));
    ev("pointerdown", 11, 300);
    ev("pointerdown", 12, 400);
    for (let i = 1; i <= 10; i++) {
      ev("pointermove", 11, 300 - 10 * i);
      ev("pointermove", 12, 400 + 10 * i);
    }
    ev("pointerup", 11, 200);
    ev("pointerup", 12, 500);
  });
  const c1 = await page.evaluate(() => window.nsweb.camera);
  assert.ok(Math.abs(c1.scale / c0.scale - 3) < 0.01, `fingers 100 → 300 px apart zoom ×3: ${c0.scale} → ${c1.scale}`);
  const mid = (/** @type {{scale: number, x: number}} */ c) => (350 - c.x) / c.scale;
  assert.ok(Math.abs(mid(c0) - mid(c1)) < 0.5, "the point between the fingers stays");
  assert.equal(await page.locator("#details").isHidden(), true, "a pinch is not a click");
  assert.deepEqual(errors, []);
  await page.close();
});

test("clicking a group asks the server to expand it; the view switch sends pid", async () => {
  const group = { id: "grp:ns:4026531837:net", kind: /** @type {const} */ ("group"), type: "net", folds: /** @type {const} */ ("file"), label: "60 net namespaces", count: 60, parent: "ns:4026531837", x: -400, y: 0, w: 190, h: 28 };
  fake.setNodes([...fake.nodes, group]);
  const { page, errors } = await open();
  await clickNode(page, group.id);
  await page.waitForFunction(() => window.nsweb.expanded.length === 1);
  const h = fake.hellos.filter((x) => x.type === "hello").at(-1);
  assert.deepEqual(h.expand, [group.id]);
  assert.equal(await page.locator("#fold").isVisible(), true);
  await page.selectOption("#view", "pid");
  await page.waitForFunction(() => window.nsweb.view === "pid");
  await page.waitForFunction(() => /[?&]view=pid/.test(location.search));
  const h2 = fake.hellos.filter((x) => x.type === "hello").at(-1);
  assert.equal(h2.view, "pid");
  assert.deepEqual(h2.expand, []);
  assert.match(await page.locator("#download").getAttribute("href") || "", /view=pid/);
  fake.setNodes(fake.nodes.filter((n) => n.id !== group.id));
  assert.deepEqual(errors, []);
  await page.close();
});

test("Download SVG fetches exactly the view and filter on screen", async () => {
  const { page, errors } = await open("?view=pid&q=type%3Anet");
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(dl.suggestedFilename(), "nsweb-pid.svg");
  const u = new URL(dl.url());
  assert.equal(u.pathname, "/snapshot.svg");
  assert.equal(u.searchParams.get("view"), "pid");
  assert.equal(u.searchParams.get("q"), "type:net");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a link with a bad filter shows the error at the search box and the unfiltered tree, live", async () => {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  const errors = watchErrors(page);
  const n = fake.hellos.length;
  await page.goto(`${fake.url}?q=bogus%3A1&view=owner`);
  await page.waitForFunction(() => window.nsweb?.nodeCount > 0 && window.nsweb.conn === "live", null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.nsweb.nodeCount), fake.nodes.length, "the whole tree");
  assert.match(await page.locator("#q-error").textContent() || "", /unknown key "bogus"/);
  assert.equal(await page.getAttribute("#q", "aria-invalid"), "true");
  assert.equal(await page.inputValue("#q"), "bogus:1");
  assert.equal(await page.locator("#status").getAttribute("data-state"), "live");
  assert.doesNotMatch(await page.locator("#summary").textContent() || "", /Waiting|filter/);
  assert.equal(new URL(page.url()).search, "", "the URL names what is shown");
  const hellos = fake.hellos.slice(n).filter((h) => h.type === "hello").map((h) => h.q);
  assert.deepEqual(hellos, ["bogus:1", ""], "refused, then asked again without the filter");
  // Fixing the filter clears the error.
  await page.fill("#q", "type:net");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.nsweb.q === "type:net" && (document.getElementById("q-error")?.textContent || "") === "");
  assert.equal(await page.getAttribute("#q", "aria-invalid"), "false");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Tab walks every node in tree order, bringing each into view; Shift+Tab walks back", async () => {
  const { page, errors } = await open();
  const order = await page.evaluate(() => window.nsweb.order());
  assert.ok(order.length > 20);
  // The first view fits the whole tree: zoom in so that some of it is off screen.
  await page.focus("#tree");
  for (let i = 0; i < 6; i++) await page.keyboard.press("+");
  const canvas = await page.locator("#tree").boundingBox();
  assert.ok(canvas);
  const offscreen = await page.evaluate(({ order, cw, ch }) => order.filter((id) => {
    const r = window.nsweb.nodeRect(id);
    return !r || r.x + r.w < 0 || r.y + r.h < 0 || r.x > cw || r.y > ch;
  }).length, { order, cw: canvas.x + canvas.width, ch: canvas.y + canvas.height });
  assert.ok(offscreen > 0, "some nodes start off screen");
  await page.focus("#tree");
  /** @type {string[]} */
  const walked = [];
  for (let i = 0; i < order.length; i++) {
    await page.keyboard.press("Tab");
    const { id, r } = await page.evaluate(() => ({ id: window.nsweb.focus, r: window.nsweb.nodeRect(window.nsweb.focus) }));
    walked.push(id);
    assert.ok(r && r.x >= canvas.x && r.y >= canvas.y && r.x + r.w <= canvas.x + canvas.width + 1 && r.y + r.h <= canvas.y + canvas.height + 1,
      `${id} is brought into view: ${JSON.stringify(r)} in ${JSON.stringify(canvas)}`);
  }
  assert.deepEqual(walked, order, "every node, in tree order");
  assert.equal(await page.locator("#focus-say").textContent(), fake.nodes.find((n) => n.id === order.at(-1))?.label);
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => window.nsweb.focus), order.at(-2));
  // Past the end the focus leaves the canvas: the keyboard is not trapped.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), "tree");
  assert.deepEqual(errors, []);
  await page.close();
});

test("after Enter and Escape the Tab walk goes on from the node it was on", async () => {
  const { page, errors } = await open();
  const order = await page.evaluate(() => window.nsweb.order());
  assert.ok(order.length > 31);
  await page.focus("#tree");
  for (let i = 0; i < 30; i++) await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => window.nsweb.focus), order[29]);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#details:not([hidden])");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "details-title");
  await page.keyboard.press("Escape");
  await page.waitForSelector("#details", { state: "hidden" });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "tree", "Escape returns to the tree");
  assert.equal(await page.evaluate(() => window.nsweb.focus), order[29], "on the node it left");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => window.nsweb.focus), order[30], "the next Tab goes on from there, not from the root");
  assert.equal(await page.locator("#focus-say").textContent(), fake.nodes.find((n) => n.id === order[30])?.label);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the footer counts in words that agree with the numbers", async () => {
  const group = { id: "grp:ns:4026531837:ipc", kind: /** @type {const} */ ("group"), type: "ipc", folds: /** @type {const} */ ("file"), label: "+60 ipc", count: 60, parent: "ns:4026531837", x: -400, y: 0, w: 120, h: 24 };
  const saved = fake.nodes;
  fake.setNodes([saved[0], saved[1], group]);
  fake.setCounts({ namespaces: 1, processes: 1, containers: 1, gaps: 1 });
  try {
    const { page, errors } = await open();
    assert.equal(await page.locator("#summary").textContent(), "1 namespace · 1 process · 1 container · 3 nodes shown (1 folded group) · 1 unreadable entry");
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    fake.setNodes(saved);
    fake.setCounts({});
  }
});

test("in a small laptop window (900×700) the tree keeps the full height beside the side panel", async () => {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 900, height: 700 });
  const errors = watchErrors(page);
  await page.goto(fake.url);
  await page.waitForFunction(() => window.nsweb?.nodeCount > 0 && window.nsweb.timing.firstRender > 0);
  const stage = await page.locator("#tree").boundingBox();
  const side = await page.locator(".side").boundingBox();
  assert.ok(stage && side);
  assert.ok(stage.height > 700 * 0.6, `the tree is ${stage.height} px high of 700`);
  assert.ok(side.x >= stage.x + stage.width - 1, "the side panel is beside the tree, not under it");
  assert.deepEqual(errors, []);
  await page.close();
});

test("on a phone-sized screen the overview map stays small", async () => {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 420, height: 860 });
  const errors = watchErrors(page);
  await page.goto(fake.url);
  await page.waitForFunction(() => window.nsweb?.nodeCount > 0 && window.nsweb.timing.firstRender > 0);
  // Fitted, the whole tree is in view and needs no map: zoomed in, it does.
  await page.focus("#tree");
  for (let i = 0; i < 6; i++) await page.keyboard.press("+");
  await page.waitForSelector("#minimap:not([hidden])");
  const map = await page.locator("#minimap").boundingBox();
  const stage = await page.locator("#tree").boundingBox();
  assert.ok(map && stage);
  const share = (map.width * map.height) / (stage.width * stage.height);
  assert.ok(share < 0.1, `the map covers ${(share * 100).toFixed(0)} % of the tree (${map.width}×${map.height} of ${stage.width}×${stage.height})`);
  assert.deepEqual(errors, []);
  await page.close();
});
