// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * The Group switch (none / container / pod) against the fake stream: it
 * sends the grouping in the hello, the picture changes to the grouping's
 * tree, the choice lives in the URL and survives a reload, Download SVG
 * asks for the same grouping, and a container node's details name it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBrowser, watchErrors } from "./harness.mjs";
import { startFake } from "./fixtures/fakeserver.mjs";

/** @typedef {import("../web/static/store.js").WireNode} WireNode */

const CTR = "ctr:ns:1:abc123";
const POD = "pod:ns:1:default/api";

/** @type {WireNode} */
const root = { id: "ns:1", kind: "dir", type: "user", ns: 1, label: "user 4026531837", x: 16, y: 16, w: 130, h: 24, info: { inode: 4026531837, dev: 4, owner: 0, parentNS: 0, procs: 2 } };

/**
 * A namespace of container web-1 under parent at x, labelled as the server
 * would: with the container's name only when it is not inside its node.
 * @param {number} id
 * @param {string} type
 * @param {string} parent
 * @param {number} x
 * @param {number} y
 * @returns {WireNode}
 */
function ns(id, type, parent, x, y) {
  const label = `${type} 40265320${id}${parent === "ns:1" ? " · web-1" : ""}`;
  return { id: `ns:${id}`, kind: "file", type, ns: id, label, parent, x, y, w: label.length * 7 + 16, h: 24,
    info: { inode: 4026532000 + id, dev: 4, owner: 1, parentNS: 0, procs: 1, containers: [{ id: "abc123", runtime: "docker", name: "web-1", image: "nginx:1.27" }] } };
}

const ctrInfo = { id: "abc123", runtime: "docker", name: "web-1", image: "nginx:1.27", pod: "api", podNamespace: "default", labels: { tier: "front" } };

/** @type {Record<string, WireNode[]>} */
const groups = {
  none: [root, ns(2, "net", "ns:1", 16, 88), ns(3, "mnt", "ns:1", 200, 88)],
  container: [root, { id: CTR, kind: "container", type: "", label: "web-1", parent: "ns:1", x: 40, y: 88, w: 60, h: 24, container: ctrInfo },
    ns(2, "net", CTR, 16, 160), ns(3, "mnt", CTR, 140, 160)],
  pod: [root, { id: POD, kind: "pod", type: "", label: "default/api", parent: "ns:1", x: 30, y: 88, w: 100, h: 24, container: { pod: "api", podNamespace: "default", containers: 1 } },
    { id: CTR, kind: "container", type: "", label: "web-1", parent: POD, x: 50, y: 160, w: 60, h: 24, container: ctrInfo },
    ns(2, "net", CTR, 16, 232), ns(3, "mnt", CTR, 140, 232)],
};

/** @type {import("./fixtures/fakeserver.mjs").Fake} */
let fake;
/** @type {import("./harness.mjs").Browser} */
let chrome;

before(async () => {
  fake = await startFake(groups.none, { groups });
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await fake?.stop();
});

/** @typedef {import("playwright-core").Page} Page */

/**
 * Wait until the page shows grouping g: the debug handle says so and the
 * node that only g has is there.
 * @param {Page} page
 * @param {string} g
 */
async function waitGroup(page, g) {
  /** @type {Record<string, string>} */
  const onlyOf = { none: "ns:2", container: CTR, pod: POD };
  const only = onlyOf[g];
  await page.waitForFunction(([g, only]) => window.nsweb?.group === g && window.nsweb.has(only) && window.nsweb.timing.firstRender > 0 &&
    window.nsweb.node("ns:2")?.parent === (g === "none" ? "ns:1" : "ctr:ns:1:abc123"), [g, only]);
}

test("the group switch changes the picture, lives in the URL and survives a reload", async () => {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1000, height: 700 });
  const errors = watchErrors(page);
  await page.goto(fake.url);
  await waitGroup(page, "container");
  assert.equal(await page.locator("#group").inputValue(), "container", "container is the default");
  assert.equal(fake.hellos.at(-1).group, "container");
  assert.equal(new URL(page.url()).search, "", "the default stays out of the URL");
  const canvas = page.locator("#tree");
  const grouped = await canvas.screenshot();

  await page.selectOption("#group", "none");
  await waitGroup(page, "none");
  assert.equal(fake.hellos.at(-1).group, "none");
  assert.equal(await page.evaluate(() => window.nsweb.has("ctr:ns:1:abc123")), false, "no container node ungrouped");
  assert.equal(new URL(page.url()).searchParams.get("group"), "none");
  assert.match(await page.locator("#download").getAttribute("href") || "", /[?&]group=none(&|$)/);
  await page.waitForTimeout(100);
  const flat = await canvas.screenshot();
  assert.notDeepEqual(flat, grouped, "the picture changed");

  await page.selectOption("#group", "pod");
  await waitGroup(page, "pod");
  assert.equal(new URL(page.url()).searchParams.get("group"), "pod");
  assert.equal(await page.evaluate(() => window.nsweb.node("ctr:ns:1:abc123")?.parent), POD);

  const hellosBefore = fake.hellos.length;
  await page.reload();
  await waitGroup(page, "pod");
  assert.equal(await page.locator("#group").inputValue(), "pod", "the switch shows the URL's grouping after a reload");
  assert.equal(fake.hellos.slice(hellosBefore)[0].group, "pod", "the first hello after the reload asks for it");
  assert.match(await page.locator("#download").getAttribute("href") || "", /[?&]group=pod(&|$)/);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const { readFile } = await import("node:fs/promises");
  const svg = await readFile(/** @type {string} */ (await dl.path()), "utf8");
  assert.match(svg, /<title>fake owner pod /, "Download SVG asks for the grouping shown");

  assert.deepEqual(errors, []);
  await page.close();
});

test("a container node's details show runtime, ID, name, image, pod and labels", async () => {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1000, height: 700 });
  const errors = watchErrors(page);
  await page.goto(`${fake.url}?sel=${encodeURIComponent(CTR)}`);
  await waitGroup(page, "container");
  await page.waitForSelector("#details:not([hidden])");
  assert.equal(await page.locator("#details-title").textContent(), "web-1");
  const rows = (await page.locator("#details-rows").textContent()) || "";
  for (const want of ["docker", "abc123", "web-1", "nginx:1.27", "default/api", "tier", "front"]) {
    assert.ok(rows.includes(want), `details show ${want}: ${rows}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test("a group of folded containers shows how many it holds and opens on a click", async () => {
  const GRP = "grp:ns:1:ctr";
  /** @type {WireNode} */
  const folded = { id: GRP, kind: "group", type: "", folds: "container", label: "+1,000 containers", count: 1000, parent: "ns:1", x: 120, y: 88, w: 154, h: 24 };
  await withOwnFake([[root, folded, ns(2, "net", "ns:1", 16, 88)]], async ({ own, page, errors }) => {
    // Selected through the URL, its details say what it holds.
    await page.goto(`${own.url}?sel=${encodeURIComponent(GRP)}`);
    await page.waitForFunction((id) => window.nsweb?.has(id) && window.nsweb.timing.firstRender > 0, GRP);
    await page.waitForSelector("#details:not([hidden])");
    assert.equal(await page.locator("#details-title").textContent(), "+1,000 containers");
    const rows = (await page.locator("#details-rows").textContent()) || "";
    for (const want of ["folded containers", "1,000", "click the group"]) {
      assert.ok(rows.includes(want), `details show ${want}: ${rows}`);
    }
    assert.equal(await page.locator("#ns-parts").isHidden(), true, "no processes or holders of its own");
    // The legend explains the stacked pill.
    assert.match(await page.locator("#legend").textContent() || "", /folded containers or pods/);
    // A click on it asks the server to open it, like any group.
    await page.click("#details-close");
    await page.click("#fit");
    const r = await page.evaluate((id) => window.nsweb.nodeRect(id), GRP);
    assert.ok(r, "the group is on the page");
    await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
    await page.waitForFunction((id) => window.nsweb.expanded.includes(id), GRP);
    assert.deepEqual(own.hellos.filter((h) => h.type === "hello").at(-1).expand, [GRP]);
    // The pointer rests on the group, so its tooltip shows; once the group
    // is gone from the view, so is the tooltip.
    assert.match((await page.locator("#tip").textContent()) || "", /click to expand/);
    assert.equal(await page.locator("#tip").isVisible(), true);
    own.patch({ remove: [GRP] });
    await page.waitForFunction((id) => !window.nsweb.has(id), GRP);
    assert.equal(await page.locator("#tip").isHidden(), true, "the opened group's tooltip is gone");
    assert.deepEqual(errors, []);
  });
});

/**
 * A user namespace whose 60 network namespaces fold into one group; the
 * fake shows three of them when the group is open, and says the group
 * hides them when a hello asks to reveal one. With a box, the namespaces
 * and their group are inside that container node (an LXC container whose
 * name holds a comma and spaces, as cgroups allow).
 * @param {WireNode} [box]
 */
function foldedNets(box) {
  const parent = box ? box.id : "ns:1";
  const GRP = `grp:${parent}:net`;
  const y = box ? 160 : 88;
  /** @type {WireNode} */
  const folded = { id: GRP, kind: "group", type: "net", folds: "file", label: "+60 net", count: 60, parent, x: 16, y, w: 100, h: 24 };
  /** @param {number} i @returns {WireNode} */
  const net = (i) => ({ id: `ns:${10 + i}`, kind: "file", type: "net", ns: 10 + i, label: `net 40265320${10 + i}`, parent, x: 16 + 150 * i, y, w: 140, h: 24,
    info: { inode: 4026532010 + i, dev: 4, owner: 1, parentNS: 0, procs: 1 } });
  const top = box ? [root, box] : [root];
  const open = [...top, net(0), net(1), net(2)];
  const inside = new Set(open.slice(top.length).map((n) => n.id));
  return { GRP, tree: [...top, folded], open, opts: {
    /** @param {string[]} expand */
    opened: (expand) => (expand.includes(GRP) ? open : null),
    /** @param {string} id */
    hiding: (id) => (inside.has(id) ? [GRP] : []),
  } };
}

/**
 * Run fn with a fake server of its own (startFake's arguments) and a page
 * of 1000×700 whose errors are collected; both are closed afterwards.
 * @param {Parameters<typeof startFake>} fake
 * @param {(t: {own: Awaited<ReturnType<typeof startFake>>, page: import("playwright-core").Page, errors: string[]}) => Promise<void>} fn
 */
async function withOwnFake(fake, fn) {
  const own = await startFake(...fake);
  const page = await chrome.browser.newPage();
  try {
    await page.setViewportSize({ width: 1000, height: 700 });
    await fn({ own, page, errors: watchErrors(page) });
  } finally {
    await page.close();
    await own.stop();
  }
}

/**
 * Open the page at url, then the group id (foldedNets') with a click, and
 * wait until ns:11, one of the namespaces it folds, is shown.
 * @param {import("playwright-core").Page} page
 * @param {string} url
 * @param {string} id
 */
async function openByClick(page, url, id) {
  await page.goto(url);
  await page.waitForFunction((id) => window.nsweb?.has(id) && window.nsweb.timing.firstRender > 0, id);
  const r = await page.evaluate((id) => window.nsweb.nodeRect(id), id);
  assert.ok(r, `group ${id} is on the page`);
  await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
  await page.waitForFunction(() => window.nsweb.has("ns:11"));
}

test("opened groups live in the URL, survive a reload and are in the SVG download", async () => {
  const f = foldedNets();
  await withOwnFake([f.tree, f.opts], async ({ own, page, errors }) => {
    await openByClick(page, own.url, f.GRP);
    assert.deepEqual(new URL(page.url()).searchParams.getAll("expand"), [f.GRP], "the open group is in the URL");
    const href = (await page.locator("#download").getAttribute("href")) || "";
    assert.deepEqual(new URL(href, own.url).searchParams.getAll("expand"), [f.GRP], "and in the download");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    const { readFile } = await import("node:fs/promises");
    assert.match(await readFile(/** @type {string} */ (await dl.path()), "utf8"), /<title>fake owner container  expand=grp:ns:1:net</);

    const before = own.hellos.length;
    await page.reload();
    await page.waitForFunction(() => window.nsweb?.has("ns:11") && window.nsweb.timing.firstRender > 0);
    assert.deepEqual(own.hellos.slice(before)[0].expand, [f.GRP], "the first hello after the reload opens it");
    assert.deepEqual(await page.evaluate(() => window.nsweb.expanded), [f.GRP]);

    await foldAgain(page, f.GRP);
    assert.deepEqual(new URL(page.url()).searchParams.getAll("expand"), [], "folding takes it out of the URL");
    assert.doesNotMatch((await page.locator("#download").getAttribute("href")) || "", /expand/);
    assert.deepEqual(errors, []);
  });
});

test("a group whose ID holds a comma and spaces opens, and stays open in the URL, after a reload and in the SVG download", async () => {
  const name = " box, a ";
  /** @type {WireNode} */
  const box = { id: `ctr:ns:1:${name}`, kind: "container", type: "", label: "box, a", parent: "ns:1", x: 16, y: 88, w: 80, h: 24, container: { id: name, runtime: "lxc", name } };
  const f = foldedNets(box);
  assert.equal(f.GRP, "grp:ctr:ns:1: box, a :net");
  await withOwnFake([f.tree, f.opts], async ({ own, page, errors }) => {
    await openByClick(page, own.url, f.GRP);
    assert.deepEqual(own.hellos.at(-1).expand, [f.GRP]);
    assert.deepEqual(new URL(page.url()).searchParams.getAll("expand"), [f.GRP], "one parameter, as it is");
    const href = (await page.locator("#download").getAttribute("href")) || "";
    assert.deepEqual(new URL(href, own.url).searchParams.getAll("expand"), [f.GRP], "and so in the download");

    const before = own.hellos.length;
    await page.reload();
    await page.waitForFunction(() => window.nsweb?.has("ns:11") && window.nsweb.timing.firstRender > 0);
    assert.deepEqual(own.hellos.slice(before)[0].expand, [f.GRP], "the first hello after the reload opens it");
    assert.deepEqual(await page.evaluate(() => window.nsweb.expanded), [f.GRP]);
    assert.deepEqual(errors, []);
  });
});

/**
 * Run fn on a page of its own fake (foldedNets) opened with a link to
 * ns:11, which the fake's folded group hides, once its details show.
 * @param {(t: {own: Awaited<ReturnType<typeof startFake>>, page: import("playwright-core").Page, errors: string[], f: ReturnType<typeof foldedNets>}) => Promise<void>} fn
 */
async function withLinkIntoGroup(fn) {
  const f = foldedNets();
  await withOwnFake([f.tree, f.opts], async (t) => {
    await t.page.goto(`${t.own.url}?sel=ns%3A11`);
    await t.page.waitForSelector("#details:not([hidden])");
    await fn({ ...t, f });
  });
}

/**
 * Fold the groups again (the Fold button) and wait for group id to be shown.
 * @param {import("playwright-core").Page} page
 * @param {string} id
 */
async function foldAgain(page, id) {
  await page.click("#fold");
  await page.waitForFunction((id) => window.nsweb.has(id), id);
}

test("a link to a namespace inside a folded group opens the group and selects it", async () => {
  await withLinkIntoGroup(async ({ own, page, errors, f }) => {
    assert.equal(await page.locator("#details-title").textContent(), "net 4026532011");
    assert.equal(own.hellos[0].reveal, "ns:11", "the hello asks the server to reveal the selection");
    assert.deepEqual(await page.evaluate(() => window.nsweb.expanded), [f.GRP]);
    const u = new URL(page.url());
    assert.deepEqual([u.searchParams.getAll("expand"), u.searchParams.get("sel")], [[f.GRP], "ns:11"], "the URL says what is shown");
    const r = await page.evaluate(() => window.nsweb.nodeRect("ns:11"));
    const canvas = await page.locator("#tree").boundingBox();
    assert.ok(r && canvas && r.x >= canvas.x && r.x + r.w <= canvas.x + canvas.width && r.y >= canvas.y && r.y + r.h <= canvas.y + canvas.height, "it is in view");
    // Later hellos no longer reveal: folding the groups keeps them folded.
    await foldAgain(page, f.GRP);
    assert.equal(own.hellos.at(-1).reveal, undefined);
    assert.match(await page.locator("#summary").textContent() || "", /selected ns:11 is not in this view/);
    assert.deepEqual(errors, []);
  });
});

test("groups folded again after a link opened them stay folded across a reload", async () => {
  await withLinkIntoGroup(async ({ own, page, errors, f }) => {
    await page.waitForFunction(() => window.nsweb.has("ns:11"));
    await foldAgain(page, f.GRP);
    const u = new URL(page.url());
    assert.deepEqual([u.searchParams.getAll("expand"), u.searchParams.get("sel")], [[""], "ns:11"], "the URL says no group is open");
    assert.doesNotMatch((await page.locator("#download").getAttribute("href")) || "", /expand/);

    const before = own.hellos.length;
    await page.reload();
    await page.waitForFunction((id) => window.nsweb?.has(id) && window.nsweb.timing.firstRender > 0, f.GRP);
    const first = own.hellos.slice(before)[0];
    assert.deepEqual([first.reveal, first.expand], [undefined, []], "the reload asks for the folded picture");
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.nsweb.has("ns:11")), false, "the group stays folded");
    assert.deepEqual(await page.evaluate(() => window.nsweb.expanded), []);
    // The selection stays, out of view, and the panel says so.
    await page.waitForFunction(() => /^Not in this view/.test(document.getElementById("details-state")?.textContent || ""));
    assert.equal(await page.locator("#details-title").textContent(), "net 4026532011");
    assert.equal(new URL(page.url()).searchParams.get("sel"), "ns:11");

    // The user opens the group again: the URL names it, and a reload opens it.
    const r = await page.evaluate((id) => window.nsweb.nodeRect(id), f.GRP);
    assert.ok(r);
    await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
    await page.waitForFunction(() => window.nsweb.has("ns:11"));
    assert.deepEqual(new URL(page.url()).searchParams.getAll("expand"), [f.GRP]);
    await page.reload();
    await page.waitForFunction(() => window.nsweb?.has("ns:11") && window.nsweb.timing.firstRender > 0);
    assert.deepEqual(errors, []);
  });
});

test("the keyboard keeps its place when a group opens or folds: the first node out of it, the group that takes it back", async () => {
  const f = foldedNets();
  await withOwnFake([f.tree, f.opts], async ({ own, page, errors }) => {
    await page.goto(own.url);
    await page.waitForFunction((id) => window.nsweb?.has(id) && window.nsweb.timing.firstRender > 0, f.GRP);
    const focus = () => page.evaluate(() => window.nsweb.focus);
    const said = () => page.locator("#focus-say").textContent();
    await page.focus("#tree");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.equal(await focus(), f.GRP);
    assert.equal(await said(), "+60 net, group, Enter expands");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => window.nsweb.has("ns:10"));
    assert.equal(await focus(), "ns:10", "the first node that came out of the group");
    assert.equal(await said(), "net 4026532010", "and it is announced");
    await page.keyboard.press("Tab");
    assert.equal(await focus(), "ns:11", "the walk goes on among them");

    // Folding the groups again puts the focus on the group that holds it.
    await foldAgain(page, f.GRP);
    assert.equal(await focus(), f.GRP);
    await page.focus("#tree");
    assert.equal(await said(), "+60 net, group, Enter expands", "back on the tree, the place is announced");
    await page.keyboard.press("Shift+Tab");
    assert.equal(await focus(), "ns:1", "the walk goes on from the group");
    assert.deepEqual(errors, []);
  });
});

test("the Group switch is disabled in the PID view, and says why", async () => {
  const page = await chrome.browser.newPage();
  try {
    await page.goto(`${fake.url}?view=pid`);
    await page.waitForFunction(() => window.nsweb?.view === "pid" && window.nsweb.timing.firstRender > 0);
    assert.equal(await page.locator("#group").isDisabled(), true);
    assert.match((await page.locator("#group").getAttribute("title")) || "", /PID view does not group/);
    await page.selectOption("#view", "owner");
    await page.waitForFunction(() => window.nsweb.view === "owner");
    assert.equal(await page.locator("#group").isDisabled(), false);
  } finally {
    await page.close();
  }
});

test("a node selected in a session makes a link that still reveals it, unless groups were folded again", async () => {
  const f = foldedNets();
  await withOwnFake([f.tree, f.opts], async ({ own, page, errors }) => {
    await page.goto(own.url);
    await page.waitForFunction(() => window.nsweb?.has("ns:1") && window.nsweb.timing.firstRender > 0);
    const r = await page.evaluate(() => window.nsweb.nodeRect("ns:1"));
    assert.ok(r);
    await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
    await page.waitForFunction(() => window.nsweb.selected === "ns:1");
    // Siblings may fold by the time the link is opened: it must reveal.
    let u = new URL(page.url());
    assert.deepEqual([u.searchParams.has("expand"), u.searchParams.get("sel")], [false, "ns:1"], `a link that reveals: ${u.search}`);
    // The user opens the group, then folds it again.
    const g = await page.evaluate((id) => window.nsweb.nodeRect(id), f.GRP);
    assert.ok(g);
    await page.mouse.click(g.x + g.w / 2, g.y + g.h / 2);
    await page.waitForFunction(() => window.nsweb.has("ns:11"));
    await foldAgain(page, f.GRP);
    u = new URL(page.url());
    assert.deepEqual(u.searchParams.getAll("expand"), [""], `folded again: said so, and kept: ${u.search}`);
    assert.deepEqual(errors, []);
  });
});
