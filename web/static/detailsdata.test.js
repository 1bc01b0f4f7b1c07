// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromNode, withFull, holderText } from "./detailsdata.js";

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
  for (const [id, label, count, many] of [["grp:ns:1:ctr", "+1,234 containers", 1234, "containers"], ["grp:ns:1:pod", "+60 pods", 60, "pods"]]) {
    const d = fromNode({ id: String(id), kind: "group", type: "", label: String(label), count: Number(count), parent: "ns:1", x: 0, y: 0, w: 1, h: 1 });
    assert.equal(d.title, label);
    assert.deepEqual(d.rows, [
      { label: "Kind", value: `folded ${many}` },
      { label: `Folded ${many}`, value: count === 1234 ? "1,234" : "60" },
      { label: "Open", value: `click the group (or press Enter on it) to show the ${many}` },
    ]);
    assert.equal(d.box, true, "no namespace, processes or holders to show");
  }
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
