// @ts-check
/// <reference path="./nsweb.d.ts" />
/**
 * The container and pod panels, in the browser, against the real binary
 * and real containers of the private dockerd scripts/engines-up starts
 * ($NSWEB_DOCKER_SOCK, image $NSWEB_TEST_IMAGE, made without a registry):
 * clicking a container's node shows its name, runtime and image, its
 * processes and its namespaces as links; the net link opens the
 * container's network namespace with eth0, its address and its veth peer
 * on a bridge, and the peer link opens the bridge's namespace. A pod (two
 * docker containers with Kubernetes' pod labels sharing one network
 * namespace) lists its containers and the shared namespace. The JSON of
 * /api/v1/container/{id} and /api/v1/pod/{ns}/{name} and `nsweb inspect`
 * of the container's network namespace say the same.
 *
 * The private dockerd runs with no bridge of its own (it must not change
 * the host's networking), so the containers start with --network none and
 * the test wires eth0 itself: a veth pair whose other end is a port of a
 * bridge in a network namespace the test makes, standing in for the
 * host's docker0. Everything is removed at the end, also on failure.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { startServer, startBrowser, watchErrors, ip, deleteNetns, nsidOf, isRoot } from "./harness.mjs";

const SOCK = process.env.NSWEB_DOCKER_SOCK || "";
const IMAGE = process.env.NSWEB_TEST_IMAGE || "nsweb-busybox:test";
const DOCKER = existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";
const tag = `insidee2e-${process.pid}`;
const WEB = `${tag}-web`;
const PODA = `${tag}-pod-a`;
const PODB = `${tag}-pod-b`;
const BR = `${tag}-br`;
const POD_NS = "insidee2e";
const POD = `shop-${process.pid}`;
const ADDR = "10.79.0.2";

/**
 * Run the docker CLI against the private dockerd; its output, trimmed.
 * @param {string[]} args
 */
const docker = (args) => execFileSync(DOCKER, ["-H", `unix://${SOCK}`, ...args], { encoding: "utf8", stdio: "pipe", timeout: 60000 }).trim();

/** Why the tests cannot run here, or "" when they can. */
function why() {
  if (!isRoot) return "needs root (the containers' processes, entering their network namespace)";
  if (!SOCK) return "no NSWEB_DOCKER_SOCK: run eval \"$(scripts/engines-up)\" first (scripts/test does)";
  try {
    docker(["image", "inspect", IMAGE]);
  } catch (err) {
    return `the private dockerd on ${SOCK} does not answer or lacks ${IMAGE}: ${String(/** @type {any} */ (err).stderr || err).trim()}`;
  }
  return "";
}
const skip = why();

/** @type {import("./harness.mjs").Server} */
let server;
/** @type {import("./harness.mjs").Browser} */
let chrome;
/** what the engine says of the containers: name → { id, pid } */
const ctr = /** @type {Record<string, {id: string, pid: number}>} */ ({});

/** @param {string} name */
function started(name) {
  const [id, pid] = docker(["inspect", "-f", "{{.Id}} {{.State.Pid}}", name]).split(" ");
  ctr[name] = { id, pid: Number(pid) };
}

/**
 * Run ip(8) in the network namespace of process pid.
 * @param {number} pid
 * @param {string[]} args
 */
const ipIn = (pid, args) => execFileSync("nsenter", [`--net=/proc/${pid}/ns/net`, "ip", ...args], { stdio: "pipe" });

before(async () => {
  if (skip) return;
  const podLabels = ["--label", `io.kubernetes.pod.namespace=${POD_NS}`, "--label", `io.kubernetes.pod.name=${POD}`];
  docker(["run", "-d", "--name", WEB, "--network", "none", IMAGE, "sleep", "600"]);
  started(WEB);
  docker(["run", "-d", "--name", PODA, "--network", "none", ...podLabels, IMAGE, "sleep", "600"]);
  started(PODA);
  docker(["run", "-d", "--name", PODB, "--network", `container:${PODA}`, ...podLabels, IMAGE, "sleep", "600"]);
  started(PODB);
  // eth0 of the web container: a veth whose peer vh0 is a port of br0.
  ip(["netns", "add", BR]);
  ip(["-n", BR, "link", "add", "br0", "type", "bridge"]);
  ip(["-n", BR, "link", "add", "vh0", "type", "veth", "peer", "name", "eth0", "netns", String(ctr[WEB].pid)]);
  ip(["-n", BR, "link", "set", "vh0", "master", "br0", "up"]);
  ip(["-n", BR, "link", "set", "br0", "up"]);
  ipIn(ctr[WEB].pid, ["addr", "add", `${ADDR}/24`, "dev", "eth0"]);
  ipIn(ctr[WEB].pid, ["link", "set", "eth0", "up"]);
  server = await startServer(["--engine-socket", SOCK]);
  chrome = await startBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
  if (SOCK) {
    for (const name of [PODB, PODA, WEB]) {
      try {
        docker(["rm", "-f", name]);
      } catch {
        // never made
      }
    }
  }
  deleteNetns([BR]);
});

/** @param {string} query */
async function open(query) {
  const page = await chrome.browser.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const errors = watchErrors(page);
  await page.goto(server.url + query);
  await page.waitForFunction(() => window.nsweb?.conn === "live" && window.nsweb.seq >= 0, null, { timeout: 20000 });
  return { page, errors };
}

/**
 * GET path of the server as JSON, until ok says the answer will do (the
 * engine names containers a moment after the scan finds them); 20 s.
 * @param {string} path
 * @param {(body: any) => boolean} ok
 */
async function getUntil(path, ok) {
  let last = "";
  for (let i = 0; i < 100; i++) {
    const r = await fetch(new URL(path, server.url));
    const body = await r.json().catch(() => ({}));
    if (r.ok && ok(body)) return body;
    last = `${r.status} ${JSON.stringify(body).slice(0, 300)}`;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`${path} never answered as wanted; last: ${last}`);
}

/**
 * The node of kind with a container field matching want, once the view
 * has it (20 s); clicked in the middle of its box.
 * @param {import("playwright-core").Page} page
 * @param {string} kind container or pod
 * @param {Record<string, string>} want
 */
async function clickBox(page, kind, want) {
  const handle = await page.waitForFunction(
    ([kind, want]) =>
      window.nsweb.ids().find((id) => {
        const n = window.nsweb.node(id);
        const c = /** @type {Record<string, unknown>} */ (n?.container || {});
        return n?.kind === kind && Object.entries(want).every(([k, v]) => c[k] === v);
      }),
    /** @type {const} */ ([kind, want]),
    { timeout: 20000 },
  );
  const id = /** @type {string} */ (await handle.jsonValue());
  await page.focus("#tree");
  const r = await page.evaluate((id) => window.nsweb.nodeRect(id), id);
  assert.ok(r, `node ${id} has a box on screen`);
  await page.mouse.click(r.x + r.w / 2, r.y + r.h / 2);
  await page.waitForSelector("#details:not([hidden])");
  await page.waitForFunction((id) => window.nsweb.selected === id, id);
  return id;
}

/**
 * The text of an inside section once it includes want (20 s).
 * @param {import("playwright-core").Page} page
 * @param {string} sec
 * @param {string} want
 */
async function section(page, sec, want) {
  await page.waitForFunction(
    ([sec, want]) => document.querySelector(`#inside [data-sec="${sec}"]`)?.textContent?.includes(want),
    [sec, want],
    { timeout: 20000 },
  );
  return (await page.locator(`#inside [data-sec="${sec}"]`).textContent()) || "";
}

test("a container's panel: name, runtime, image, processes, namespaces; its net namespace has eth0 and the veth peer on a bridge", { skip: skip || false }, async () => {
  const { id, pid } = ctr[WEB];
  const net = await nsidOf(server.url, "net", `/proc/${pid}/ns/net`);
  const bridge = await nsidOf(server.url, "net", `/run/netns/${BR}`);

  // The JSON first: what the panel shows comes from it.
  const box = await getUntil(`api/v1/container/${id}`, (b) => b.containers?.[0]?.name === WEB);
  assert.equal(box.kind, "container");
  assert.deepEqual(
    { id: box.containers[0].id, runtime: box.containers[0].runtime, image: box.containers[0].image },
    { id, runtime: "docker", image: IMAGE },
  );
  assert.deepEqual(box.processes.map((/** @type {any} */ p) => [p.pid, p.comm, p.chain]), [[pid, "sleep", [pid, 1]]]);
  /** @type {Record<string, number>} */
  const nsOf = {};
  for (const n of box.namespaces) nsOf[n.type] = n.ns;
  for (const t of ["pid", "net", "mnt", "uts", "ipc"]) {
    const own = box.namespaces.find((/** @type {any} */ n) => n.type === t);
    assert.ok(own, `the container's ${t} namespace is listed`);
    assert.equal(own.inode, statSync(`/proc/${pid}/ns/${t}`).ino, `${t}: the inode of /proc/${pid}/ns/${t}`);
    assert.ok(!own.host && !own.sharedWith, `${t} namespace is the container's own: ${JSON.stringify(own)}`);
  }
  assert.equal(nsOf.net, net);
  const user = box.namespaces.find((/** @type {any} */ n) => n.type === "user");
  assert.equal(user?.host, true, "docker without userns-remap: the host's user namespace");

  const { page, errors } = await open(`?q=${encodeURIComponent(`container:${WEB}`)}`);
  await clickBox(page, "container", { id });
  await page.waitForFunction((name) => document.getElementById("details-title")?.textContent === name, WEB, { timeout: 20000 });
  const rows = (await page.locator("#details-rows").textContent()) || "";
  for (const want of [`Name${WEB}`, "Runtimedocker", `Image${IMAGE}`, `ID${id}`]) assert.ok(rows.includes(want), `rows have ${want}: ${rows}`);
  const procs = await section(page, "box-procs", `${pid} → 1`);
  assert.match(procs, new RegExp(`sleep${pid} → 1`));
  await section(page, "box-ns", "net");
  const links = await page.locator('#inside [data-sec="box-ns"] button.link').evaluateAll((bs) => bs.map((b) => /** @type {HTMLElement} */ (b).dataset.link));
  assert.deepEqual(new Set(links), new Set(box.namespaces.map((/** @type {any} */ n) => `ns:${n.ns}`)), "every namespace of the JSON is a link");
  const userRow = (await page.locator(`#inside [data-sec="box-ns"] button.link[data-link="ns:${user.ns}"]`).textContent()) || "";
  assert.match(userRow, /shared with host processes/);
  assert.match((await page.locator(`#inside [data-sec="box-ns"] button.link[data-link="ns:${net}"]`).textContent()) || "", /· its own$/);

  // The net link selects the container's network namespace.
  await page.locator(`#inside [data-sec="box-ns"] button.link[data-link="ns:${net}"]`).click();
  const ifaces = await section(page, "net", "eth0");
  await page.waitForFunction((net) => window.nsweb.selected === `ns:${net}` || new URL(location.href).searchParams.get("sel") === `ns:${net}`, net);
  assert.match(ifaces, /eth0veth · up · mtu 1500/);
  assert.match(ifaces, new RegExp(`inet ${ADDR.replaceAll(".", "\\.")}/24`));
  assert.match(ifaces, /loloopback/);
  const related = (await page.locator('#inside [data-sec="related"]').textContent()) || "";
  assert.match(related, new RegExp(`Container${WEB} \\(docker\\)`), "the namespace names its container");
  const peer = page.locator(`#inside [data-sec="net"] button.link[data-link="ns:${bridge}"]`);
  assert.match((await peer.textContent()) || "", new RegExp(`^veth peer: vh0 in (net (ns )?\\d+|ns:${bridge})`));

  // The peer link opens the bridge's namespace: vh0 is a port of br0.
  await peer.click();
  const there = await section(page, "net", "br0");
  assert.match(there, /vh0veth · up/);
  assert.match(there, /port of br0/);
  assert.match(there, /br0bridge/);
  assert.match(there, /ports: vh0/);
  assert.match((await page.locator(`#inside [data-sec="net"] button.link[data-link="ns:${net}"]`).textContent()) || "", /^veth peer: eth0 in net (ns )?\d+/); // "net ns N", or the label "net N · sleep"
  assert.deepEqual(errors, []);
  await page.close();

  // nsweb inspect says the same of the container's network namespace.
  const bin = /** @type {string} */ (process.env.NSWEB_BIN);
  const ino = statSync(`/proc/${pid}/ns/net`).ino;
  const js = JSON.parse(execFileSync(bin, ["inspect", `net:${ino}`, "--format", "json"], { encoding: "utf8", timeout: 60000 }));
  const eth0 = js.inside.net.interfaces.find((/** @type {any} */ f) => f.name === "eth0");
  assert.ok(eth0, "inspect lists eth0");
  assert.equal(eth0.kind, "veth");
  assert.deepEqual(eth0.addrs.map((/** @type {any} */ a) => `${a.ip}/${a.prefixLen}`), [`${ADDR}/24`]);
  assert.equal(eth0.peer?.name, "vh0");
  assert.equal(eth0.peer?.ns, bridge, "the peer's namespace is the bridge's (namespace IDs are the kernel's)");
  assert.ok(js.containers.some((/** @type {any} */ c) => c.id === id), "inspect names the container (by ID: it asks no engine)");
  const text = execFileSync(bin, ["inspect", `net:${ino}`], { encoding: "utf8", timeout: 60000 });
  assert.match(text, new RegExp(`eth0  veth up mtu 1500`));
  assert.match(text, new RegExp(`inet ${ADDR.replaceAll(".", "\\.")}/24`));
  assert.match(text, /veth peer: vh0 in net ns/);
});

test("a pod's panel lists its containers and the namespace they share; a container link opens the container", { skip: skip || false }, async () => {
  const a = ctr[PODA];
  const b = ctr[PODB];
  const net = await nsidOf(server.url, "net", `/proc/${a.pid}/ns/net`);
  const pod = await getUntil(`api/v1/pod/${POD_NS}/${POD}`, (p) => p.containers?.length === 2 && p.containers.every((/** @type {any} */ c) => c.name));
  assert.equal(pod.kind, "pod");
  assert.deepEqual(pod.containers.map((/** @type {any} */ c) => [c.name, c.id, c.pod, c.podNamespace]), [
    [PODA, a.id, POD, POD_NS],
    [PODB, b.id, POD, POD_NS],
  ]);
  assert.deepEqual(pod.processes.map((/** @type {any} */ p) => p.pid).sort(), [a.pid, b.pid].sort());
  const nets = pod.namespaces.filter((/** @type {any} */ n) => n.type === "net");
  assert.deepEqual(nets.map((/** @type {any} */ n) => n.ns), [net], "one network namespace for both containers");
  assert.equal(nets[0].sharedWith, undefined, "shared only inside the pod");
  assert.equal(pod.namespaces.filter((/** @type {any} */ n) => n.type === "pid").length, 2, "each container its own PID namespace");
  const gone = await fetch(new URL(`api/v1/pod/${POD_NS}/no-such-${POD}`, server.url));
  assert.equal(gone.status, 404);

  const { page, errors } = await open(`?group=pod&q=${encodeURIComponent(`container:${PODA},${PODB}`)}`);
  await clickBox(page, "pod", { pod: POD });
  await page.waitForFunction((want) => document.getElementById("details-title")?.textContent === want, `${POD_NS}/${POD}`, { timeout: 20000 });
  const rows = (await page.locator("#details-rows").textContent()) || "";
  assert.ok(rows.includes("KindKubernetes pod") && rows.includes(`Pod${POD}`) && rows.includes(`Pod namespace${POD_NS}`), rows);
  const cs = await section(page, "pod", PODB);
  assert.ok(cs.includes(`docker${PODA}`) && cs.includes(`docker${PODB}`), `both containers listed: ${cs}`);
  await section(page, "box-ns", "net");
  assert.equal(await page.locator(`#inside [data-sec="box-ns"] button.link[data-link^="ns:"]`).count(), pod.namespaces.length);
  assert.equal(await page.locator(`#inside [data-sec="box-ns"] button.link[data-link="ns:${net}"]`).count(), 1);
  await section(page, "box-procs", `${a.pid} → 1`);
  await section(page, "box-procs", `${b.pid} → 1`);

  // A container of the pod is a link to its own panel.
  const link = page.locator('#inside [data-sec="pod"] button.link', { hasText: PODB });
  assert.equal(await link.count(), 1, "the container is a link (its node is in the view)");
  await link.click();
  await page.waitForFunction((name) => document.getElementById("details-title")?.textContent === name, PODB, { timeout: 20000 });
  const crow = (await page.locator("#details-rows").textContent()) || "";
  assert.ok(crow.includes(`Pod${POD_NS}/${POD}`), crow);
  await section(page, "box-procs", `${b.pid} → 1`);
  assert.deepEqual(errors, []);
  await page.close();
});
