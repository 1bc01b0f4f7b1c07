// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromNode, withFull, holderText, visibleText, nodeFromFull, copyText } from "./detailsdata.js";

/** @type {import("./store.js").WireNode} */
const n = {
  id: "ns:4026532001", kind: "file", type: "net", ns: 4026532001, label: "net 4026532001 · nginx", parent: "ns:1",
  x: 0, y: 0, w: 1, h: 1,
  info: {
    inode: 4026532001, dev: 4, owner: 1, ownerUID: 0, procs: 3,
    leader: { pid: 321, comm: "nginx", cmdline: "nginx -g daemon off;", uid: 0 },
    sample: [{ pid: 321, comm: "nginx", uid: 0 }, { pid: 322, comm: "nginx", uid: 101 }],
    heldBy: [{ kind: "bindmount", path: "/run/netns/x", mntns: 5 }],
    containers: [{ id: "abcdef0123456789", runtime: "docker", name: "web-1", image: "nginx:1.27" }],
  },
};

test("fromNode lists ids, processes without duplicates, containers and holders", () => {
  const parent = { id: "ns:1", kind: "dir", type: "user", label: "user 1", x: 0, y: 0, w: 1, h: 1 };
  const d = fromNode(n, new Map([["ns:1", /** @type {import("./store.js").WireNode} */ (parent)]]));
  const row = (/** @type {string} */ l) => d.rows.find((r) => r.label === l)?.value;
  assert.equal(row("NSID"), "4026532001");
  assert.equal(row("Inode"), "4026532001");
  assert.equal(row("Owner UID"), "0");
  assert.equal(row("Parent in view"), "user 1");
  assert.deepEqual(d.procs.map((p) => p.pid), ["321", "322"]);
  assert.equal(d.procs[0].command, "nginx -g daemon off;");
  assert.equal(d.procs[0].user, "root");
  assert.equal(d.procTotal, 3);
  assert.deepEqual(d.containers, ["web-1 (docker, nginx:1.27)"]);
  assert.deepEqual(d.heldBy, ["bind mount /run/netns/x (mnt 5)"]);
});

test("withFull takes the full process list in either answer shape", () => {
  const procs = [{ pid: 400, comm: "b", uid: 5 }, { pid: 401, err: "process not in snapshot" }, { pid: 12, comm: "a", cmdline: "a --x", uid: 0 }, { pid: 321, comm: "nginx", uid: 0 }];
  const nsObj = { id: 4026532001, type: "net", inode: 4026532001, procs: [12, 321, 400, 401], heldBy: [{ kind: "process", pid: 12 }] };
  for (const full of [{ ...nsObj, processes: procs }, { namespace: nsObj, processes: Object.fromEntries(procs.map((p) => [p.pid, p])) }]) {
    const d = withFull(fromNode(n), full);
    assert.deepEqual(d.procs.map((p) => p.pid), ["12", "321", "400", "401"]);
    assert.equal(d.procs[0].command, "a --x");
    assert.equal(d.procs[3].command, "(unreadable: process not in snapshot)");
    assert.equal(d.procTotal, 4);
    assert.deepEqual(d.heldBy, ["process 12"]);
  }
  const same = fromNode(n);
  assert.deepEqual(withFull(same, null), same);
  assert.deepEqual(withFull(same, { error: "x" }).procs, same.procs, "an answer without processes keeps the sample");
});

test("groups show their count; unknown holders still say something", () => {
  const g = fromNode({ id: "grp:x", kind: "group", type: "net", label: "120 net", count: 120, x: 0, y: 0, w: 1, h: 1 });
  assert.deepEqual(g.rows, [{ label: "Type", value: "net" }, { label: "Folded namespaces", value: "120" }]);
  assert.equal(holderText({ kind: "future", pid: 3 }), "future pid 3");
});

test("a container node's details show runtime, ID, name, image, pod and labels", () => {
  /** @type {import("./store.js").WireNode} */
  const ctr = {
    id: "ctr:ns:1:abc", kind: "container", type: "", label: "web-1", parent: "ns:1", x: 0, y: 0, w: 1, h: 1,
    container: { id: "abc123", runtime: "docker", name: "web-1", image: "nginx:1.27", pod: "api", podNamespace: "default", labels: { tier: "front", app: "shop" } },
  };
  /** @type {Map<string, import("./store.js").WireNode>} */
  const nodes = new Map([
    ["ctr:ns:1:abc", ctr],
    ["ns:2", { ...n, id: "ns:2", parent: "ctr:ns:1:abc" }],
    ["grp:ctr:ns:1:abc:net", { id: "grp:ctr:ns:1:abc:net", kind: "group", type: "net", label: "+60 net", count: 60, parent: "ctr:ns:1:abc", x: 0, y: 0, w: 1, h: 1 }],
  ]);
  const d = fromNode(ctr, nodes);
  assert.equal(d.title, "web-1");
  assert.deepEqual(d.rows.map((r) => `${r.label}=${r.value}`), [
    "Kind=container", "Name=web-1", "Runtime=docker", "ID=abc123", "Image=nginx:1.27", "Pod=default/api",
    "Label app=shop", "Label tier=front", "Namespaces here=61",
  ]);
  assert.deepEqual(d.procs, []);
  assert.equal(d.box, true, "the panel hides the namespace-only sections");
});

test("a pod node's details name the pod and count its containers", () => {
  /** @type {import("./store.js").WireNode} */
  const pod = {
    id: "pod:ns:1:default/api", kind: "pod", type: "", label: "default/api", x: 0, y: 0, w: 1, h: 1,
    container: { pod: "api", podNamespace: "default", containers: 2 },
  };
  assert.deepEqual(fromNode(pod).rows.map((r) => `${r.label}=${r.value}`), [
    "Kind=Kubernetes pod", "Pod=api", "Pod namespace=default", "Containers=2",
  ]);
});

test("a group of folded containers or pods says how many and that a click opens it", () => {
  for (const [folds, label, count, many] of /** @type {const} */ ([["container", "+1,234 containers", 1234, "containers"], ["pod", "+60 pods", 60, "pods"]])) {
    const d = fromNode({ id: `g-${folds}`, kind: "group", type: "", folds, label, count, parent: "ns:1", x: 0, y: 0, w: 1, h: 1 });
    assert.equal(d.title, label);
    assert.deepEqual(d.rows, [
      { label: "Kind", value: `folded ${many}` },
      { label: `Folded ${many}`, value: count === 1234 ? "1,234" : "60" },
      { label: "Open", value: `click the group (or press Enter on it) to show the ${many}` },
    ]);
    assert.equal(d.box, true, "no namespace, processes or holders to show");
  }
});

// The characters that reorder or hide text (bidi controls, C0 and C1
// controls, line separators, BOM), to be shown escaped and never applied.
const HOSTILE = [
  ...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, 0x80, 0x85, 0x9b, 0x9f,
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
  0x2028, 0x2029, 0xfeff,
].map((c) => String.fromCharCode(c));

/**
 * Every string in x, with the path to it, except the raw values Copy
 * buttons keep.
 * @param {unknown} x
 * @param {string} [at]
 * @returns {[string, string][]}
 */
function shownStrings(x, at = "") {
  if (typeof x === "string") return [[at, x]];
  if (!x || typeof x !== "object") return [];
  return Object.entries(x).flatMap(([k, v]) => (k === "copy" ? [] : shownStrings(v, `${at}.${k}`)));
}

/** @param {unknown} d */
function assertNothingHidden(d) {
  for (const [at, s] of shownStrings(d)) {
    for (const c of HOSTILE) assert.ok(!s.includes(c), `${at} shows U+${c.charCodeAt(0).toString(16)} raw: ${JSON.stringify(s)}`);
  }
}

test("visibleText shows bidi and control characters as markers and leaves other text alone", () => {
  assert.equal(visibleText("\u202eexe.gnp"), "⟨U+202E⟩exe.gnp");
  assert.equal(visibleText("a\tb\nc\u0000d\u009be"), "a⟨U+0009⟩b⟨U+000A⟩c⟨U+0000⟩d⟨U+009B⟩e");
  for (const c of HOSTILE) {
    const v = visibleText(`x${c}y`);
    assert.match(v, /^x⟨U\+[0-9A-F]{4}⟩y$/, JSON.stringify(v));
    assert.equal(v, `x⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩y`);
  }
  for (const plain of ["nginx -g daemon off;", "naïve 日本語 עברית العربية", "👩‍💻 zero\u200dwidth joiner", "<img src=x>", "C:\\path", ""]) {
    assert.equal(visibleText(plain), plain);
  }
  assert.equal(visibleText(undefined), "");
  assert.equal(visibleText(42), "42");
});

test("the details escape bidi and control characters in everything shown; Copy takes the printable text with escapes", () => {
  const rlo = "\u202e";
  const evilCmd = `/tmp/${rlo}exe.gnp --x\n--y`;
  /** @type {import("./store.js").WireNode} */
  const hostile = {
    ...n,
    label: `net 4026532001 · ${rlo}gnp`,
    info: {
      ...n.info,
      leader: { pid: 321, comm: `${rlo}gnp`, cmdline: evilCmd, uid: 0 },
      sample: [{ pid: 322, comm: `c\u2066omm`, uid: 0 }],
      heldBy: [{ kind: "bindmount", path: `/run/netns/${rlo}x`, mntns: 5 }, { kind: `weird\u200f`, path: "\u0085p" }],
      containers: [{ id: "abc", runtime: "docker", name: `web${rlo}-1`, image: `nginx\u061c:1`, pod: `p\u2067od` }],
    },
  };
  const parent = { id: "ns:1", kind: "dir", type: "user", label: `user 1 · ${rlo}x`, x: 0, y: 0, w: 1, h: 1 };
  const d = fromNode(hostile, new Map([["ns:1", /** @type {import("./store.js").WireNode} */ (parent)]]));
  assertNothingHidden(d);
  assert.equal(d.title, "net 4026532001 · ⟨U+202E⟩gnp");
  assert.equal(d.rows.find((r) => r.label === "Parent in view")?.value, "user 1 · ⟨U+202E⟩x");
  assert.equal(d.procs[0].command, "/tmp/⟨U+202E⟩exe.gnp --x⟨U+000A⟩--y");
  assert.equal(d.procs[0].copy, "/tmp/\\u202eexe.gnp --x\\n--y", "the copy button puts no raw control or bidi character on the clipboard");
  assert.equal(d.procs[1].command, "c⟨U+2066⟩omm");
  assert.deepEqual(d.containers, ["web⟨U+202E⟩-1 (docker, nginx⟨U+061C⟩:1, pod p⟨U+2067⟩od)"]);
  assert.deepEqual(d.heldBy, ["bind mount /run/netns/⟨U+202E⟩x (mnt 5)", "weird⟨U+200F⟩ ⟨U+0085⟩p"]);

  // The full answer: every process, container and holder, as the server sends them.
  const full = {
    namespace: { id: 4026532001, type: "net", inode: 4026532001, procs: [321, 400], heldBy: [{ kind: "fd", pid: 9, fd: 3 }, { kind: "bindmount", path: `/mnt/${rlo}y` }] },
    processes: [{ pid: 321, comm: "gnp", cmdline: evilCmd, uid: 0 }, { pid: 400, err: `gone${rlo}` }],
    containers: [{ id: "abc", runtime: "podman", name: `db${rlo}`, image: "pg", labels: { [`k${rlo}`]: `v${rlo}` } }],
  };
  const f = withFull(d, full);
  assertNothingHidden(f);
  assert.deepEqual(f.procs.map((p) => p.command), ["/tmp/⟨U+202E⟩exe.gnp --x⟨U+000A⟩--y", "(unreadable: gone⟨U+202E⟩)"]);
  assert.equal(f.procs[0].copy, "/tmp/\\u202eexe.gnp --x\\n--y");
  assert.equal(f.procs[1].copy, undefined, "nothing to copy for an unreadable process");
  assert.deepEqual(f.containers, ["db⟨U+202E⟩ (podman, pg)"]);
  assert.deepEqual(f.heldBy, ["open file descriptor 3 of process 9", "bind mount /mnt/⟨U+202E⟩y"]);

  // A container node: its name, image and labels, keys and values.
  /** @type {import("./store.js").WireNode} */
  const ctr = {
    id: "ctr:ns:1:abc", kind: "container", type: "", label: `web${rlo}-1`, x: 0, y: 0, w: 1, h: 1,
    container: { id: `abc${rlo}`, runtime: "docker", name: `web${rlo}-1`, image: `img\u001b[31m`, pod: "p", podNamespace: `ns${rlo}`, labels: { [`tier${rlo}`]: `front\u2069` } },
  };
  const c = fromNode(ctr);
  assertNothingHidden(c);
  assert.equal(c.title, "web⟨U+202E⟩-1");
  assert.deepEqual(c.rows.map((r) => `${r.label}=${r.value}`), [
    "Kind=container", "Name=web⟨U+202E⟩-1", "Runtime=docker", "ID=abc⟨U+202E⟩", "Image=img⟨U+001B⟩[31m", "Pod=ns⟨U+202E⟩/p",
    "Label tier⟨U+202E⟩=front⟨U+2069⟩",
  ]);
  assert.equal(c.rows.find((r) => r.label === "Name")?.copy, "web\\u202e-1");
  assert.equal(c.rows.find((r) => r.label === "Image")?.copy, "img\\x1b[31m", "ESC is shown as \\x1b, not copied raw");
});

test("a time namespace kept by time_for_children says so; a pid namespace says pid_for_children", () => {
  const h = { kind: "pid_for_children", pid: 77 };
  assert.equal(holderText(h, "time"), "time_for_children of process 77");
  assert.equal(holderText(h, "pid"), "pid_for_children of process 77");
  assert.equal(holderText(h), "pid_for_children of process 77", "without a type, the kind's own name");
  /** @type {import("./store.js").WireNode} */
  const time = { ...n, id: "ns:4026532100", type: "time", ns: 4026532100, label: "time 4026532100", info: { inode: 4026532100, procs: 0, heldBy: [h] } };
  assert.deepEqual(fromNode(time).heldBy, ["time_for_children of process 77"]);
  const full = { namespace: { id: 4026532100, type: "time", inode: 4026532100, heldBy: [h] }, processes: [] };
  assert.deepEqual(withFull(fromNode(time), full).heldBy, ["time_for_children of process 77"]);
  assert.deepEqual(withFull(fromNode(time), { ...full, namespace: { ...full.namespace, type: undefined } }).heldBy, ["time_for_children of process 77"], "the node's type when the answer has none");
  /** @type {import("./store.js").WireNode} */
  const pid = { ...time, type: "pid", label: "pid 4026532100" };
  assert.deepEqual(fromNode(pid).heldBy, ["pid_for_children of process 77"]);
});

test("the title shows the name the label cleaned with its hidden characters as markers, as the rest of the panel does", () => {
  const rlo = "\u202e";
  const path = `/run/netns/rvx${rlo}fdp.exe`;
  /** @type {import("./store.js").WireNode} */
  const held = {
    id: "ns:4026532300", kind: "file", type: "net", ns: 4026532300, parent: "ns:1", x: 0, y: 0, w: 1, h: 1,
    // The server's label: the bidi override dropped, cut to 24 runes.
    label: "net 4026532300 · bind /run/netns/rvxfdp.…",
    info: { inode: 4026532300, procs: 0, heldBy: [{ kind: "bindmount", path }] },
  };
  const d = fromNode(held);
  assert.equal(d.title, "net 4026532300 · bind /run/netns/rvx⟨U+202E⟩fdp.exe");
  assert.deepEqual(d.heldBy, ["bind mount /run/netns/rvx⟨U+202E⟩fdp.exe"], "as the holders say it");
  assertNothingHidden(d);

  // The leader's command, and the one container, named the same way.
  const byComm = fromNode({ ...held, label: "net 4026532300 · gnp.exe", info: { inode: 4026532300, procs: 1, leader: { pid: 9, comm: `gnp${rlo}.exe`, uid: 0 } } });
  assert.equal(byComm.title, "net 4026532300 · gnp⟨U+202E⟩.exe");
  const ctrs = [{ id: "abc", name: `web\u2066-1` }];
  assert.equal(fromNode({ ...held, label: "net 4026532300 · web-1", info: { inode: 4026532300, procs: 1, containers: ctrs, leader: { pid: 9, comm: "nginx", uid: 0 } } }).title,
    "net 4026532300 · web⟨U+2066⟩-1");
  // Inside its container's node the label names the process instead.
  /** @type {Map<string, import("./store.js").WireNode>} */
  const boxes = new Map([["ctr:ns:1:abc", { id: "ctr:ns:1:abc", kind: "container", type: "", label: "web-1", x: 0, y: 0, w: 1, h: 1 }]]);
  assert.equal(fromNode({ ...held, parent: "ctr:ns:1:abc", label: "net 4026532300 · nginx", info: { inode: 4026532300, procs: 1, containers: ctrs, leader: { pid: 9, comm: `ngi\u2069nx`, uid: 0 } } }, boxes).title,
    "net 4026532300 · ngi⟨U+2069⟩nx");

  // A container or pod node: its name from the engine.
  /** @type {import("./store.js").WireNode} */
  const ctr = { id: "ctr:ns:1:abc", kind: "container", type: "", label: "evil.exe", x: 0, y: 0, w: 1, h: 1, container: { id: "abc", name: `evil${rlo}.exe` } };
  assert.equal(fromNode(ctr).title, "evil⟨U+202E⟩.exe");
  /** @type {import("./store.js").WireNode} */
  const pod = { id: "pod:ns:1:default/api", kind: "pod", type: "", label: "default/api", x: 0, y: 0, w: 1, h: 1, container: { pod: `a${rlo}pi`, podNamespace: "default" } };
  assert.equal(fromNode(pod).title, "default/a⟨U+202E⟩pi");

  // Raw data the label was not made of: the label, as it is.
  assert.equal(fromNode({ ...held, label: "net 4026532300 · something else" }).title, "net 4026532300 · something else");
  assert.equal(fromNode({ ...held, label: `net 4026532300 · x${rlo}` }).title, "net 4026532300 · x⟨U+202E⟩");
  assert.equal(fromNode({ ...held, label: "net 4026532300" }).title, "net 4026532300");
  assert.equal(fromNode({ ...ctr, label: "other" }).title, "other");
});

test("nodeFromFull makes a node of the full answer, labelled as the server labels it, for a namespace not in the view", () => {
  const rlo = "\u202e";
  const full = {
    taken: "2026-11-28T13:00:00Z",
    namespace: { id: 4026532300, type: "net", inode: 4026532010, dev: 4, owner: 1, procs: [12, 40], leader: 40, heldBy: [{ kind: "process", pid: 12 }] },
    processes: [{ pid: 12, comm: "sh", uid: 0 }, { pid: 40, comm: `gnp${rlo}.exe-with-a-longer-name`, cmdline: "x", uid: 1000 }],
    containers: [],
  };
  const n = nodeFromFull("ns:4026532300", full);
  assert.equal(n.id, "ns:4026532300");
  assert.equal(n.ns, 4026532300);
  assert.equal(n.kind, "file");
  assert.equal(n.label, "net 4026532010 · gnp.exe-with-a-longer-n…", "cleaned and cut, as on the canvas");
  const d = withFull(fromNode(n), full);
  assert.equal(d.title, "net 4026532010 · gnp⟨U+202E⟩.exe-with-a-longer-name");
  const row = (/** @type {string} */ l) => d.rows.find((r) => r.label === l)?.value;
  assert.equal(row("NSID"), "4026532300");
  assert.equal(row("Inode"), "4026532010");
  assert.equal(row("Type"), "net");
  assert.deepEqual(d.procs.map((p) => p.pid), ["12", "40"]);
  assertNothingHidden(d);

  // One container names it; a user namespace is a directory.
  const user = nodeFromFull("ns:7", { namespace: { id: 7, type: "user", inode: 4026531837, procs: [1], leader: 1, containers: ["abc"] },
    processes: [{ pid: 1, comm: "init", uid: 0 }], containers: [{ id: "abc", runtime: "lxc", name: "web-1" }] });
  assert.equal(user.kind, "dir");
  assert.equal(user.label, "user 4026531837 · web-1");
  // Held by a bind mount only.
  assert.equal(nodeFromFull("ns:8", { namespace: { id: 8, type: "net", inode: 5, heldBy: [{ kind: "bindmount", path: "/run/netns/x" }] } }).label, "net 5 · bind /run/netns/x");
  // An answer without a namespace: the ID alone.
  const bare = nodeFromFull("ns:9", null);
  assert.deepEqual([bare.label, bare.ns, bare.kind], ["ns:9", 9, "file"]);
});

test("copyText keeps printable text as it is and escapes the rest", () => {
  assert.equal(copyText("nginx -g 'daemon off;' ünïcode"), "nginx -g 'daemon off;' ünïcode");
  assert.equal(copyText("a\u001b[2Jb\r\n\tc\u0000d\u007f\u0085"), "a\\x1b[2Jb\\r\\n\\tc\\x00d\\x7f\\x85");
  assert.equal(copyText("x\u2066y\ufeff"), "x\\u2066y\\ufeff");
});

test("a command line the server cut says how long it is", () => {
  const full = {
    namespace: { id: 9, type: "net", inode: 9, procs: [5] },
    processes: [{ pid: 5, comm: "sh", cmdline: "sh -c aaaa", cmdlineLen: 256023, uid: 0 }],
    containers: [],
  };
  const f = withFull(fromNode({ ...n }), full);
  assert.equal(f.procs[0].command, "sh -c aaaa … (256023 bytes in all)");
  assert.equal(f.procs[0].copy, "sh -c aaaa");
});
