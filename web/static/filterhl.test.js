// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuery, matches, highlightRanges } from "./filterhl.js";

test("parseQuery reads keys, quotes and negation", () => {
  assert.deepEqual(parseQuery(' type:net  -container:web cmd:"nginx -g" Free !pid:1 '), [
    { key: "type", value: "net", neg: false },
    { key: "container", value: "web", neg: true },
    { key: "cmd", value: "nginx -g", neg: false },
    { key: "", value: "free", neg: false },
    { key: "pid", value: "1", neg: true },
  ]);
  assert.deepEqual(parseQuery(""), []);
});

/** @type {import("./filterhl.js").Matchable} */
const nginx = {
  label: "net 4026532001 · nginx",
  type: "net",
  kind: "file",
  ns: 4026532001,
  info: { inode: 4026532001, procs: 1, leader: { pid: 321, comm: "nginx", cmdline: "nginx -g daemon off;", uid: 0 }, heldBy: [{ kind: "bindmount" }], containers: [{ id: "abcdef0123456789", name: "web-1", image: "nginx:1.27" }] },
};
/** @type {import("./filterhl.js").Matchable} */
const userRoot = { label: "user 4026531837", type: "user", kind: "dir", ns: 4026531837, info: { procs: 1, leader: { pid: 1, comm: "systemd" } } };
/** @type {import("./filterhl.js").Matchable} */
const busy = { label: "net 7", type: "net", kind: "file", ns: 7, info: { procs: 300, leader: { pid: 1, comm: "systemd" } } };

test("matches tells a match from a context ancestor", () => {
  const cases = [
    ["", true, true],
    ["type:net", true, false],
    ["container:web", true, false],
    ["pid:321", true, false],
    ["pid:1", false, true],
    ["cmd:nginx", true, false],
    ["NGINX", true, false],
    ["type:net -container:web", true, false],
    ["-type:net", true, true],
    ["ns:4026531837", false, true],
    ["type:uts,net", true, false],
    ["container:abcdef", true, false],
    ["container:docker", false, false],
    ["held:process,bindmount", true, false],
    ["cmd:daemon", true, false],
    ["weird:thing", true, true],
  ];
  for (const [q, a, b] of cases) {
    const t = parseQuery(String(q));
    assert.equal(matches(nginx, t), a, `nginx ${q}`);
    assert.equal(matches(userRoot, t), b, `user ${q}`);
  }
  // Only a sample of its 300 processes is known: process terms count as matches.
  for (const q of ["pid:4242", "cmd:nginx", "uid:1000"]) assert.equal(matches(busy, parseQuery(q)), true, q);
  assert.equal(matches(busy, parseQuery("type:mnt")), false);
});

test("highlightRanges marks merged, sorted matches of text terms", () => {
  assert.deepEqual(highlightRanges("net 4026532001 · nginx", parseQuery("nginx 402")), [[4, 7], [17, 22]]);
  assert.deepEqual(highlightRanges("aaaa", parseQuery("aa a")), [[0, 4]]);
  assert.deepEqual(highlightRanges("net 1", parseQuery("type:net -net")), [], "type and negation mark nothing");
});

test("container and pod nodes are never veiled, whatever the terms", () => {
  for (const kind of ["container", "pod"]) {
    for (const q of ["type:net", "container:db", "cmd:nginx", "nothing-matches"]) {
      assert.equal(matches({ label: "web-1", kind }, parseQuery(q)), true, `${kind} ${q}`);
    }
  }
  assert.equal(matches({ label: "web-1", kind: "file", type: "mnt" }, parseQuery("type:net")), false, "a namespace node still is");
});

test("a group of folded containers is never veiled, a group of namespaces is matched by its type", () => {
  const terms = parseQuery("type:net");
  assert.equal(matches({ id: "g-1", label: "+1,000 containers", type: "", kind: "group", folds: "container" }, terms), true);
  assert.equal(matches({ id: "g-2", label: "+60 pods", type: "", kind: "group", folds: "pod" }, terms), true);
  assert.equal(matches({ id: "g-3", label: "+60 uts", type: "uts", kind: "group", folds: "file" }, terms), false);
});

test("a namespace node without details is veiled as the server says (ctx)", () => {
  const n = { label: "net 4026532001 · nginx", kind: "file", type: "net", ns: 5, ino: 4026532001 };
  for (const q of ["cmd:nginx", "type:mnt", "pid:1"]) {
    assert.equal(matches(n, parseQuery(q)), true, `${q}: kept for itself`);
    assert.equal(matches({ ...n, ctx: true }, parseQuery(q)), false, `${q}: context`);
  }
  assert.equal(matches({ ...n, ctx: true }, parseQuery("-type:user")), true, "no positive term: nothing to veil");
});
