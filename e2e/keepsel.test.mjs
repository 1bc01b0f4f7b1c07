// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * The selection is never folded away (issue 14): a selected user namespace
 * whose siblings pass the fold threshold while it is selected folds into
 * "+N user" in a patch; the page asks again with reveal, the group that
 * hides it opens, and the namespace stays on screen, selected, its details
 * open. Against the fake stream, which folds by a patch and opens the
 * group when a hello's reveal names one of its members.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startBrowser, watchErrors } from "./harness.mjs";
import { startFake } from "./fixtures/fakeserver.mjs";

/** @typedef {import("../web/static/store.js").WireNode} WireNode */

// An ID in no grammar the page knows: it finds the group that took the
// selection by the group's fields (parent, folds, type), as the server
// sends them, never by composing "grp:ns:1:dirs".
const GRP = "fold#7 of ns:1";

/** @type {WireNode} */
const root = { id: "ns:1", kind: "dir", type: "user", ns: 1, label: "user 4026531837 · host", x: 16, y: 16, w: 160, h: 24, info: { inode: 4026531837, dev: 4, owner: 0, parentNS: 0, procs: 2 } };
/** @param {number} i @returns {WireNode} */
const user = (i) => ({ id: `ns:${10 + i}`, kind: "dir", type: "user", ns: 10 + i, label: `user 40265320${10 + i}`, parent: "ns:1", x: 16 + 150 * i, y: 88, w: 140, h: 24,
  info: { inode: 4026532010 + i, dev: 4, owner: 0, parentNS: 1, procs: 1 } });
const users = [0, 1, 2].map(user);
const members = new Set(users.map((n) => n.id));
/** @type {WireNode} */
const folded = { id: GRP, kind: "group", type: "user", folds: "dir", label: "+3 user", count: 3, parent: "ns:1", x: 16, y: 88, w: 100, h: 24 };

/** @type {import("./harness.mjs").Browser | undefined} */
let chrome;
after(async () => {
  await chrome?.close();
});

// A server that reveals, and one that ignores the reveal as the real one
// does for a connection's second (docs/protocol.md): the page asks for the
// group that took the selection by its ID too.
for (const reveals of [true, false]) {
  test(`a selected namespace that folds into a group is opened again and stays selected (server ${reveals ? "reveals" : "ignores reveal"})`, async () => {
    chrome = chrome || (await startBrowser());
    const fake = await startFake([root, ...users], {
      opened: (expand) => (expand.includes(GRP) ? [root, ...users] : null),
      hiding: (id) => (reveals && members.has(id) ? [GRP] : []),
    });
    const page = await chrome.browser.newPage();
    try {
      await page.setViewportSize({ width: 1000, height: 700 });
      const errors = watchErrors(page);
      await page.goto(fake.url);
      await page.waitForFunction(() => window.nsweb?.has("ns:11") && window.nsweb.timing.firstRender > 0);
      const r = await page.evaluate(() => window.nsweb.nodeRect("ns:11"));
      assert.ok(r);
      await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
      await page.waitForFunction(() => window.nsweb.selected === "ns:11");
      await page.waitForSelector("#details:not([hidden])");
      const hellos = fake.hellos.length;

      // Its siblings pass the threshold: the patch folds it into the group.
      fake.patch({ remove: users.map((n) => n.id), add: [folded] });
      // The state before the patch passes the check below too: first wait
      // for the page to ask again (the fold reached it), then for the answer.
      for (const end = Date.now() + 10000; fake.hellos.length === hellos && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      await page.waitForFunction((g) => window.nsweb.has("ns:11") && !window.nsweb.has(g), GRP, { timeout: 10000 });
      const asked = fake.hellos.slice(hellos);
      assert.ok(asked.some((h) => h.reveal === "ns:11"), `a hello asked to reveal the selection: ${JSON.stringify(asked)}`);
      assert.equal(await page.evaluate(() => window.nsweb.selected), "ns:11", "still selected");
      assert.equal(await page.locator("#details").isHidden(), false, "its details stay open");
      assert.match((await page.locator("#details-title").textContent()) || "", /4026532011/);
      const u = new URL(page.url());
      assert.deepEqual([u.searchParams.get("sel"), u.searchParams.getAll("expand")], ["ns:11", [GRP]], `the URL keeps it open: ${u.search}`);
      const on = await page.evaluate(() => window.nsweb.nodeRect("ns:11"));
      assert.ok(on && on.x + on.w > 0 && on.y + on.h > 0 && on.x < 1000 && on.y < 700, `on screen: ${JSON.stringify(on)}`);

      // Unselected, a fold is left alone: no further hello.
      const n = fake.hellos.length;
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => !window.nsweb.selected);
      fake.patch({ remove: users.map((x) => x.id), add: [folded] });
      await page.waitForFunction((g) => window.nsweb.has(g), GRP);
      assert.equal(fake.hellos.length, n, "no hello for a fold that hides no selection");
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await fake.stop();
    }
  });
}
