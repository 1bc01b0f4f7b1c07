// @ts-check
/**
 * nsweb dashboard entry point: keeps a copy of the server's laid-out tree in
 * step with the stream, draws it on a canvas, and wires the parts together:
 * session.js (URL, search, view switch, hellos), details.js, changelog.js,
 * pointer.js and keys.js. State that should survive a reload (view,
 * grouping, filter, open groups, selection) lives in the URL. The parts
 * share one App object (session.js) rather than globals.
 */
import { Store, snapshotKey } from "./store.js";
import { Grid } from "./spatial.js";
import { fit, pan, toScreen, reveal } from "./camera.js";
import { Follow } from "./follow.js";
import { edgeMarks, storeChanges, drawEdgeMarks } from "./edgemarks.js";
import { lodHint } from "./lod.js";
import { Renderer, Minimap } from "./render.js";
import { Conn } from "./conn.js";
import { matches } from "./filterhl.js";
import { drawLegend } from "./legend.js";
import { trail, refocus } from "./walk.js";
import { foldedAway } from "./keepsel.js";
import { WiringOverlay } from "./wiring.js";
import { $, meta } from "./dom.js";
import { pictureOf } from "./picture.js";
import { initialUI, createSession } from "./session.js";
import { readLimits } from "./urlstate.js";
import { createDetails } from "./details.js";
import { ChangeLog } from "./changelog.js";
import { wirePointer } from "./pointer.js";
import { wireKeys } from "./keys.js";
import { Timeline } from "./timeline.js";
import { Compare } from "./compare.js";
import { replayFrom, addHistory, tabStorage } from "./histlog.js";

/** @typedef {import("./store.js").WireNode} WireNode */
/** @typedef {import("./session.js").ServerMsg} ServerMsg */

const canvas = /** @type {HTMLCanvasElement} */ ($("tree"));
const miniCanvas = /** @type {HTMLCanvasElement} */ ($("minimap"));
const statusEl = $("status");
const statusText = $("status-text");
const summary = $("summary");
const tip = $("tip");
const empty = $("empty");
const appEl = $("app");
const follow = new Follow($("follow"));
const hintEl = $("lod-hint");
/** @type {import("./edgemarks.js").EdgeMark[]} arrows to changes out of view, last frame */
let marks = [];

const renderer = new Renderer(canvas);
const wiring = new WiringOverlay(location.search, () => requestDraw());
const wiringToggle = /** @type {HTMLInputElement} */ ($("wiring"));
wiringToggle.checked = wiring.on;
wiringToggle.addEventListener("change", () => (wiring.set(wiringToggle.checked), saveURL(), requestDraw()));
const minimap = new Minimap(miniCanvas);
const store = new Store();

const ui = initialUI(location.search, readLimits(meta));

/** @type {Grid<WireNode>} */
let grid = new Grid([]);
let gridVersion = -1;

/** Timings for the tests and the benchmark. */
const timing = {
  /** performance.now() when this module started running */
  appStart: performance.now(),
  /** when the websocket opened */
  wsOpen: 0,
  /** when the first snapshot's bytes arrived, before parsing */
  firstBytes: 0,
  /** performance.now() when the first snapshot message arrived */
  firstSnapshot: 0,
  /** performance.now() when the first frame with that snapshot was drawn */
  firstRender: 0,
  /** how long the first frame with data took to draw */
  firstFrameMs: 0,
  /** when the first snapshot was applied, before the first frame */
  firstApplied: 0,
  frames: 0,
  hellos: 0,
  snapshots: 0,
  patches: 0,
  gaps: 0,
};

/** Match cache: whether a node matches the filter's terms, per store version. */
let matchCache = new Map();
let matchKey = "";
/** @param {WireNode} n */
function isMatch(n) {
  const key = `${store.version}|${ui.q}`;
  if (key !== matchKey) {
    matchCache = new Map();
    matchKey = key;
  }
  let m = matchCache.get(n.id);
  if (m === undefined) {
    m = matches(n, ui.terms);
    matchCache.set(n.id, m);
  }
  return m;
}

function ensureGrid() {
  if (gridVersion !== store.version) {
    // In arrival order (a snapshot's is the server's pre-order): sorting
    // 60k nodes into pre-order first cost the first frame a third of its time.
    grid = new Grid(store.nodes.values());
    gridVersion = store.version;
  }
  return grid;
}

// --- drawing ---------------------------------------------------------------

let drawPending = false;
/** store version the overview may draw; see frame */
let minimapVersion = -1;
function requestDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(frame);
}

function frame() {
  const f0 = performance.now();
  drawPending = false;
  const now = Date.now();
  const animating = store.expire(now);
  ensureGrid();
  const stats = renderer.draw({
    store,
    grid,
    camera: ui.camera,
    selected: ui.sel,
    hover: ui.hover,
    focus: document.activeElement === canvas ? ui.focus : "",
    terms: ui.terms,
    isMatch,
    now,
  });
  wiring.force(ui.view === "network");
  const wired = wiring.draw(renderer.ctx, renderer.dpr, ui.camera, store.nodes);
  comparer.draw(renderer.ctx, renderer.dpr, ui.camera, store.nodes);
  appEl.dataset.wiring = wiring.active ? `${wired.drawn}/${wired.hidden}` : "";
  timing.frames++;
  if (store.seq >= 0 && !timing.firstRender) {
    timing.firstRender = performance.now();
    timing.firstFrameMs = timing.firstRender - f0;
  }
  const big = store.nodes.size > 0 && (store.bounds.w * ui.camera.scale > renderer.w * 1.05 || store.bounds.h * ui.camera.scale > renderer.h * 1.05);
  miniCanvas.hidden = !big;
  // The overview of new data waits a frame, so the tree itself shows first.
  if (big && minimapVersion === store.version) minimap.draw(store, renderer.theme, ui.camera, renderer.w, renderer.h);
  else if (big) {
    minimapVersion = store.version;
    requestDraw();
  }
  appEl.dataset.drawn = String(stats.drawn);
  appEl.dataset.nodes = String(store.nodes.size);
  appEl.dataset.seq = String(store.seq);
  appEl.dataset.detail = stats.detail;
  marks = edgeMarks(ui.camera, renderer.w, renderer.h, storeChanges(store));
  drawEdgeMarks(renderer.ctx, marks, renderer.dpr, renderer.theme);
  hintEl.textContent = lodHint(stats);
  hintEl.hidden = !hintEl.textContent;
  if (animating) requestDraw();
}

function resize() {
  renderer.resize();
  if (ui.fitNext === false && follow.fitsAfterData(store.nodes.size)) fitView();
  requestDraw();
}

/** Show the whole tree: Fit, the 0 key, a new picture, and new data while followed. */
function fitView() {
  ui.camera = fit(store.bounds, renderer.w, renderer.h);
  requestDraw();
}

// --- stream ------------------------------------------------------------------

const wsURL = new URL("/api/v1/stream", location.href);
wsURL.protocol = location.protocol === "https:" ? "wss:" : "ws:";

const conn = new Conn(wsURL.href, {
  onOpen: () => {
    if (!timing.wsOpen) timing.wsOpen = performance.now();
    hello(true);
  },
  // While the timeline shows a past moment, the live picture waits.
  // While the timeline shows a past moment, the live picture waits (the
  // server sends none): the stream carries the past picture instead.
  // A past picture still on its way once live again is dropped.
  onMessage: (/** @type {any} */ m) => {
    if (timeline.past) timeline.message(m);
    else if (!(m && m.type === "snapshot" && m.at)) onMessage(m);
  },
  onBytes: () => {
    if (!timing.firstBytes) timing.firstBytes = performance.now();
  },
  onState: showState,
});

/** @param {boolean} resume see session.js hello */
function hello(resume) {
  session.hello(resume);
}

function saveURL() {
  session.saveURL();
}

/** @param {ServerMsg} msg */
function onMessage(msg) {
  if (!msg || typeof msg !== "object") return;
  const now = Date.now();
  switch (msg.type) {
    case "snapshot": {
      timing.snapshots++;
      const was = trail(store.nodes, ui.focus);
      if (!timing.firstSnapshot) timing.firstSnapshot = performance.now();
      const newView = store.key !== snapshotKey(msg);
      // Another view, grouping or filter is another picture: show it
      // afresh. Opening a group only adds to the picture: the camera stays.
      const prev = pictureOf(store.key);
      const newPicture = !prev || prev.view !== (msg.view || "owner") || prev.q !== (msg.q || "") ||
        prev.group !== (msg.group || "container");
      const changes = store.applySnapshot(msg, now);
      ui.resyncing = false;
      ui.refusals = 0;
      if (ui.revealSent) {
        // The server opened the groups that hide the selection: they are
        // open groups like those the user clicked, in the URL too.
        for (const g of msg.expand || []) ui.expand.add(g);
        ui.revealSent = false;
      }
      if (ui.revealPending) {
        ui.revealPending = false;
        saveURL();
      }
      log.add(changes);
      // A refused filter keeps its error until the user edits it.
      if (!ui.badQ) session.setError("");
      if (ui.fitNext || newPicture) {
        renderer.resize();
        fitView();
        ui.fitNext = false;
        follow.start();
      } else if (follow.fitsAfterData(store.nodes.size)) fitView();
      afterData(was);
      if (!timing.firstApplied) {
        // Draw the first picture at once rather than at the next animation
        // frame, which a busy main thread (a 6 MB snapshot) can delay.
        timing.firstApplied = performance.now();
        frame();
      }
      if (ui.sel && store.nodes.has(ui.sel) && newView) {
        details.open(ui.sel, false);
        const n = store.nodes.get(ui.sel);
        if (n) ui.camera = reveal(ui.camera, n, renderer.w, renderer.h);
      } else if (ui.sel && newView && !details.stateOf(ui.sel)) {
        // A link to a namespace this view does not show (a filter hides
        // it, or it ended): the server still tells what it is, or that it
        // is gone.
        details.openAway(ui.sel);
      }
      break;
    }
    case "patch": {
      const was = trail(store.nodes, ui.focus);
      const selWas = trail(store.nodes, ui.sel);
      const { result, changes } = store.applyPatch(msg, now);
      if (result === "gap") {
        timing.gaps++;
        if (!ui.resyncing) {
          ui.resyncing = true;
          hello(true);
        }
        return;
      }
      if (result === "stale") return;
      timing.patches++;
      ui.resyncing = false;
      ui.refusals = 0;
      log.add(changes);
      // Followed, the view shows the whole tree as it changes (follow.js).
      if (follow.fitsAfterData(store.nodes.size)) fitView();
      afterData(was);
      // The selection folded away: ask again with the group that took it
      // open, and reveal for any other that hides it (the server reveals
      // once per connection: docs/protocol.md).
      const hid = foldedAway(selWas, store.nodes);
      if (hid && !ui.revealPending) {
        ui.expand.add(hid);
        ui.revealPending = true;
        hello(false);
      }
      break;
    }
    case "error":
      session.refused(msg);
      break;
    case "history": // the change log's past, before the live patches
      ui.replay = "";
      addHistory(log.list, msg, 100);
      break;
    default:
      console.warn("nsweb: unknown message type", /** @type {{type?: unknown}} */ (msg).type);
  }
}

/**
 * After a snapshot or patch.
 * @param {WireNode[]} [was] the keyboard's node and its ancestors before it (walk.js trail)
 */
function afterData(was = []) {
  if (ui.hover && !store.nodes.has(ui.hover)) {
    // Its tooltip goes with it (a group the click just opened, say).
    ui.hover = "";
    tip.hidden = true;
  }
  if (ui.focus && !store.nodes.has(ui.focus)) {
    // The keyboard's node left: it goes where the node went (the first
    // node out of a group that opened, the group a node folded into),
    // so that Tab goes on from there rather than from the root.
    const id = refocus(was, store.nodes, () => store.order());
    ui.focus = id;
    const n = store.nodes.get(id);
    if (n && document.activeElement === canvas) {
      ui.camera = reveal(ui.camera, n, renderer.w, renderer.h);
      keys.announce(n);
    }
  }
  details.afterData();
  session.foldBtn.hidden = ui.expand.size === 0;
  showSummary();
  showState(conn.state);
  empty.hidden = store.nodes.size > 0;
  empty.textContent = ui.q ? `Nothing matches “${ui.q}”.` : "No namespaces to show.";
  requestDraw();
}

/** @param {import("./backoff.js").ConnState} s */
function showState(s) {
  const taken = store.meta.taken ? new Date(store.meta.taken) : null;
  const at = taken && !isNaN(+taken) ? taken.toLocaleTimeString() : "";
  const text = {
    connecting: "connecting…",
    // Looking at the past, the picture is not live: say whose moment it is.
    live: ui.at ? (at ? `connected · showing ${at}` : "connected · showing the past") : at ? `live · ${at}` : "live",
    reconnecting: "reconnecting…",
    stale: at ? `stale since ${at} · reconnecting` : "stale · reconnecting",
  }[s];
  if (statusEl.dataset.state !== s || statusText.textContent !== text) {
    statusEl.dataset.state = s;
    statusText.textContent = text;
    appEl.dataset.conn = s;
  }
}

/**
 * "1 namespace", "2 namespaces".
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
function count(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function showSummary() {
  const c = store.meta.counts || {};
  const parts = [];
  if (c.namespaces !== undefined) parts.push(count(c.namespaces, "namespace"));
  if (c.processes !== undefined) parts.push(count(c.processes, "process", "processes"));
  if (c.containers !== undefined) parts.push(count(c.containers, "container"));
  let groups = 0;
  for (const n of store.nodes.values()) if (n.kind === "group") groups++;
  parts.push(`${count(store.nodes.size, "node")} shown${groups ? ` (${count(groups, "folded group")})` : ""}`);
  if (ui.q) parts.push(`filter “${ui.q}”`);
  // The server counts only what it could not read, not the processes that
  // exited while it read them.
  if (c.gaps) parts.push(count(c.gaps, "unreadable entry", "unreadable entries"));
  if (store.meta.partial) parts.push(`partial: ${store.meta.reason || "not all of the host is visible"}`);
  if (ui.sel && store.seq >= 0 && !store.nodes.has(ui.sel)) {
    // What the panel found out, when it shows the selection.
    const ended = details.stateOf(ui.sel) === "ended";
    parts.push(ended ? `selected ${ui.sel} ended` : `selected ${ui.sel} is not in this view`);
  }
  summary.textContent = parts.join(" · ");
}

/**
 * Select a node: groups expand (the server unfolds them), namespaces open
 * the details panel.
 * @param {string} id
 * @param {boolean} [focusPanel]
 */
function select(id, focusPanel = false) {
  const n = store.nodes.get(id);
  if (!n) return;
  if (n.kind === "group") {
    ui.expand.add(n.id);
    saveURL();
    hello(false);
    return;
  }
  ui.sel = id;
  saveURL();
  details.open(id, focusPanel);
  requestDraw();
}

/** @param {import("./camera.js").Rect} n */
function centerOn(n) {
  const s = toScreen(ui.camera, n.x + n.w / 2, n.y + n.h / 2);
  ui.camera = pan(ui.camera, renderer.w / 2 - s.x, renderer.h / 2 - s.y);
  follow.stop();
  requestDraw();
}

// --- the parts ---------------------------------------------------------------------

/** @type {import("./session.js").App} */
const app = { ui, store, renderer, follow, wiring, conn, timing, canvas, requestDraw, fitView, saveURL, hello, showSummary, select, centerOn };
const session = createSession(app);
const details = createDetails(app);
const log = new ChangeLog($("log"), (id) => {
  const n = store.nodes.get(id);
  if (!n) return;
  select(n.id);
  centerOn(n);
});
const pointer = wirePointer(app, { tip, miniCanvas, minimap, grid: ensureGrid, marks: () => marks });
const keys = wireKeys(app, { qInput: session.qInput, details, pressed: pointer.pressed });

// --- theme, size, start -------------------------------------------------------------

const dark = matchMedia("(prefers-color-scheme: dark)");
dark.addEventListener("change", () => {
  renderer.retheme();
  minimap.cacheKey = "";
  drawLegend($("legend"), renderer.theme);
  requestDraw();
});

new ResizeObserver(resize).observe(canvas);

session.start();
saveURL();
drawLegend($("legend"), renderer.theme);
renderer.resize();
const timeline = new Timeline({
  show: onMessage, live: () => { ui.at = ""; hello(false); },
  ask: (at) => { ui.at = at.toISOString(); hello(false); },
  params: () => ({ view: ui.view, group: ui.group, q: ui.q, expand: [...ui.expand] }),
});
const comparer = new Compare({
  timeline, has: (id) => store.nodes.has(id), requestDraw, color: renderer.theme.born,
  select: (id) => { const n = store.nodes.get(id); if (n) (select(id), centerOn(n)); },
});
void timeline.start();
ui.replay = replayFrom(tabStorage(), Date.now());
conn.connect();

/**
 * A read-only handle for the end-to-end tests and for curious users: what
 * is on screen, without reading pixels.
 */
const debug = Object.freeze({
  get nodeCount() { return store.nodes.size; },
  get drawn() { return renderer.stats.drawn; },
  get stats() { return { ...renderer.stats }; },
  get seq() { return store.seq; },
  get view() { return ui.view; },
  get group() { return ui.group; },
  get q() { return ui.q; },
  /** the filter of the picture on screen (q is what was asked for), null before the first */
  get shownQ() { return pictureOf(store.key)?.q ?? null; },
  get selected() { return ui.sel; },
  get conn() { return conn.state; },
  get camera() { return { ...ui.camera }; },
  get following() { return follow.on; },
  get edgeMarks() { return marks.map((m) => ({ ...m })); },
  get timing() { return { ...timing }; },
  get expanded() { return [...ui.expand]; },
  get focus() { return ui.focus; },
  /** the past moment shown (ISO), null when live */
  get at() { return timeline.at ? timeline.at.toISOString() : null; },
  /** the comparison shown: its state, the namespaces outlined as appeared */
  get compare() { return { state: comparer.state, marked: [...comparer.marked] }; },
  get changes() { return log.size; },
  get born() { return [...store.born.keys()]; },
  get ghosts() { return store.ghosts.map((g) => g.node.id); },
  /** @returns {string[]} */
  ids: () => [...store.nodes.keys()],
  /** @returns {string[]} the node IDs in tree order, as Tab walks them */
  order: () => store.order().map((n) => n.id),
  /** @param {string} id */
  has: (id) => store.nodes.has(id),
  /** @param {string} id */
  node: (id) => {
    const n = store.nodes.get(id);
    return n ? JSON.parse(JSON.stringify(n)) : null;
  },
  /**
   * Where a node is on the page, in CSS pixels of the viewport, so a test
   * can click it.
   * @param {string} id
   */
  nodeRect: (id) => {
    const n = store.nodes.get(id);
    if (!n) return null;
    const r = canvas.getBoundingClientRect();
    const a = toScreen(ui.camera, n.x, n.y);
    return { x: r.left + a.x, y: r.top + a.y, w: n.w * ui.camera.scale, h: n.h * ui.camera.scale };
  },
});
Object.defineProperty(window, "nsweb", { value: debug, writable: false, configurable: false });

appEl.dataset.ready = "true";
document.documentElement.dataset.app = "ready";
