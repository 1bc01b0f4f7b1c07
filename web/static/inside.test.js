// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { insideSections, chain, MAX_ROWS, namesFrom } from "./inside.js";

const nameOf = (/** @type {number} */ id) => `net ns #${id}`;

test("net: interfaces, addresses, bridge ports and a veth peer that links to its namespace", () => {
  const full = {
    namespace: { id: 5, type: "net", owner: 1 },
    containers: [{ id: "abc", name: "web", runtime: "docker" }],
    inside: {
      type: "net",
      net: {
        interfaces: [
          { index: 2, name: "va", kind: "veth", state: "up", mtu: 1500, mac: "aa:bb", addrs: [{ family: "inet", ip: "10.0.0.1", prefixLen: 24 }], master: "br0", peer: { relation: "veth peer", ns: 9, ifindex: 3, name: "vb" } },
          { index: 3, name: "d\u202egnp", kind: "veth", state: "down", mtu: 1500, peer: { relation: "veth peer", ifindex: 4, name: "e" } },
        ],
        defaultRoutes: [{ family: "inet", gateway: "10.0.0.2", dev: "va" }],
      },
    },
  };
  const secs = insideSections(full, nameOf, (id) => (id === "abc" ? "ctr:u:abc" : undefined));
  assert.deepEqual(secs.map((x) => x.key), ["related", "net", "routes"]);
  assert.deepEqual(secs[0].items[0], { label: "Owner", value: "net ns #1", link: "ns:1" });
  assert.deepEqual(secs[0].items[1], { label: "Container", value: "web (docker)", link: "ctr:u:abc" });
  const net = secs[1].items;
  assert.equal(net[0].label, "va");
  assert.equal(net[0].value, "veth · up · mtu 1500 · aa:bb");
  assert.ok(net.some((i) => i.value === "inet 10.0.0.1/24"));
  assert.ok(net.some((i) => i.value === "port of br0"));
  assert.deepEqual(net.find((i) => i.link), { label: "", value: "veth peer: vb in net ns #9", link: "ns:9" });
  assert.ok(net.some((i) => i.value === "veth peer: e in this namespace"));
  // A bidi override in a name is shown as a marker, not obeyed.
  assert.ok(!net.some((i) => i.label.includes("\u202e")));
  assert.deepEqual(secs[2].items, [{ label: "IPv4", value: "via 10.0.0.2 dev va" }]);
});

test("user, pid, uts, time, cgroup, mnt and what is missing", () => {
  const caps = Array.from({ length: MAX_ROWS + 3 }, (_, i) => ({ pid: i + 1, comm: "sh", uid: 0, capEff: "000001ffffffffff", caps: ["cap_chown"], full: i === 0 }));
  const secs = insideSections(
    {
      namespace: { id: 2, type: "user", parent: 1, owner: 1 },
      inside: {
        user: { uidMap: [{ inside: 0, outside: 1000, count: 1 }], gidMap: [], setgroups: "deny", caps, capsMore: 2 },
        pid: { level: 2, procs: [{ pid: 4242, comm: "init", chain: [4242, 17, 1] }] },
        uts: { hostname: "box", domainname: "(none)" },
        time: { offsets: [{ clock: "monotonic", secs: 86400, nsecs: 5 }, { clock: "boottime", secs: -3, nsecs: 0 }] },
        cgroup: { root: "/system.slice/x" },
        mnt: { count: 3, root: { source: "/dev/sda", fstype: "ext4", propagation: "shared" }, propagation: { shared: 2, private: 1 }, peers: [{ ns: 7, groups: [1, 4], relation: "peer", mounts: 2 }] },
        missing: ["interfaces: no process"],
      },
    },
    nameOf,
  );
  const by = Object.fromEntries(secs.map((x) => [x.key, x]));
  assert.equal(by.related.items.length, 1, "owner only: the parent is the owner");
  assert.equal(by.user.items[0].value, "0→1000 ×1");
  assert.equal(by.user.items[1].value, "none (every ID unmapped)");
  assert.equal(by.user.items[3].value, "all capabilities (000001ffffffffff)");
  assert.equal(by.user.items.length, 3 + MAX_ROWS);
  assert.match(by.user.note || "", /… and 5 more/);
  assert.equal(by.pid.items[1].value, "4242 → 17 → 1");
  assert.equal(by.uts.items[0].value, "box");
  assert.deepEqual(by.time.items.map((i) => i.value), ["+86400.000000005 s", "-3.000000000 s"]);
  assert.equal(by.cgroup.items[0].value, "/system.slice/x");
  assert.equal(by.mnt.mountsButton, true);
  assert.deepEqual(by.mnt.items.at(-1), { label: "peer", value: "net ns #7: groups 1, 4 (2 mounts)", link: "ns:7" });
  assert.equal(by.missing.items[0].value, "interfaces: no process");
  assert.equal(chain([1]), "1");
});

test("no answer, or one without inside, gives only what the snapshot says", () => {
  assert.deepEqual(insideSections(null, nameOf), []);
  assert.deepEqual(insideSections({ namespace: { id: 1 }, containers: [] }, nameOf), []);
});

test("a container's processes, its namespaces with who shares them, a pod's containers", async () => {
  const { boxSections, boxURL } = await import("./inside.js");
  const b = {
    kind: "pod",
    containers: [{ id: "aaa", name: "web", runtime: "docker" }, { id: "bbb", runtime: "podman" }],
    processes: [{ pid: 4242, comm: "nginx", chain: [4242, 1] }],
    namespaces: [
      { ns: 1, type: "user", host: true, sharedWith: ["db"] },
      { ns: 2, type: "net" },
    ],
  };
  const secs = boxSections(b, nameOf, (id) => (id === "aaa" ? "ctr:x:aaa" : undefined));
  assert.deepEqual(secs.map((x) => x.key), ["pod", "box-procs", "box-ns"]);
  assert.deepEqual(secs[0].items, [{ label: "docker", value: "web", link: "ctr:x:aaa" }, { label: "podman", value: "bbb" }]);
  assert.deepEqual(secs[1].items, [{ label: "nginx", value: "4242 → 1" }]);
  assert.deepEqual(secs[2].items[0], { label: "user", value: "net ns #1 · shared with db; shared with host processes", link: "ns:1" });
  assert.equal(secs[2].items[1].value, "net ns #2 · its own");
  const node = (/** @type {any} */ x) => ({ id: "n", type: "", label: "", x: 0, y: 0, w: 0, h: 0, ...x });
  assert.equal(boxURL(node({ kind: "container", container: { id: "a b" } })), "/api/v1/container/a%20b");
  assert.equal(boxURL(node({ kind: "pod", container: { pod: "shop", podNamespace: "default" } })), "/api/v1/pod/default/shop");
  assert.equal(boxURL(node({ kind: "file" })), "");
});

test("a namespace is named once by its type: the label's own type word is not repeated", () => {
  const nodes = new Map(/** @type {[string, any][]} */ ([
    ["ns:1", { id: "ns:1", kind: "file", type: "user", label: "user 4026531837 · host" }],
    ["ns:2", { id: "ns:2", kind: "file", type: "net", label: "net 4026531833", info: { inode: 4026531833 } }],
    ["ns:3", { id: "ns:3", kind: "file", type: "mnt", label: "/run/netns/x" }],
  ]));
  const { nameOf } = namesFrom(nodes);
  assert.equal(nameOf(1), "user 4026531837 · host");
  assert.equal(nameOf(2), "net ns 4026531833");
  assert.equal(nameOf(3), "mnt ns /run/netns/x");
  assert.equal(nameOf(9), "ns:9");
});
