// @ts-check
/**
 * nsweb dashboard entry point: keeps a copy of the server's laid-out tree in
 * step with the stream, draws it on a canvas, and wires search, view
 * switch, details, change log and keyboard. State that should survive a
 * reload (view, grouping, filter, open groups, selection) lives in the URL.
 */
import { Store, snapshotKey, forLog } from "./store.js";
import { Grid } from "./spatial.js";
import { fit, pan, zoomAt, toScreen, toWorld, reveal, initialCamera } from "./camera.js";
import { Renderer, Minimap } from "./render.js";
import { Conn } from "./conn.js";
import { parseState, formatState, pictureParams, GROUPS, DEFAULT_GROUP } from "./urlstate.js";
import { parseQuery, matches } from "./filterhl.js";
import { fromNode, withFull, visibleText, nodeFromFull } from "./detailsdata.js";
import { drawLegend } from "./legend.js";
import { trail, refocus } from "./walk.js";
import { Timeline } from "./timeline.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page lacks #${id}`);
  return /** @type {T} */ (el);
}

const canvas = /** @type {HTMLCanvasElement} */ ($("tree"));
const miniCanvas = /** @type {HTMLCanvasElement} */ ($("minimap"));
const qInput = /** @type {HTMLInputElement} */ ($("q"));
const qError = $("q-error");
const viewSel = /** @type {HTMLSelectElement} */ ($("view"));
const groupSel = /** @type {HTMLSelectElement} */ ($("group"));
const download = /** @type {HTMLAnchorElement} */ ($("download"));
const statusEl = $("status");
const statusText = $("status-text");
const summary = $("summary");
const tip = $("tip");
const empty = $("empty");
const foldBtn = /** @type {HTMLButtonElement} */ ($("fold"));
const details = $("details");
const logList = $("log");
const focusSay = $("focus-say");
const appEl = $("app");

const renderer = new Renderer(canvas);
const minimap = new Minimap(miniCanvas);
const store = new Store();

const url = parseState(location.search);
const ui = {
  view: url.view,
  group: url.group,
  q: url.q,
  sel: url.sel,
  /** @type {Set<string>} */
  expand: new Set(url.expand),
  /**
   * The selection came with a link that names no open groups: until a
   * snapshot arrives, hellos ask the server to open the folded groups that
   * hide it (reveal).
   */
  revealPending: !!url.sel && !url.expandNamed,
  /**
   * The URL names the open groups itself (expandNamed): it came so, or the
   * user folded groups again (Fold groups), which a reload must keep.
   * Otherwise a link with a selection leaves the groups to reveal, so a
   * shared link opens on its node even if its siblings folded meanwhile.
   */
  expandNamed: !!url.expandNamed,
  /** the last hello asked for reveal: the snapshot's expand has the groups opened */
  revealSent: false,
  /**
   * A filter the server refused, still in the search box with its error:
   * the picture shows the last good filter meanwhile.
   */
  badQ: "",
  /** refusals since the last data, so a refused fallback cannot loop */
  refusals: 0,
  camera: { scale: 1, x: 0, y: 0 },
  hover: "",
  /**
   * The node the keyboard is on: where Tab goes on from. It stays while
   * the tree is not focused (the details panel has the keyboard, say), so
   * that coming back goes on from there; the ring shows only while the
   * tree has the focus.
   */
  focus: "",
  terms: parseQuery(url.q),
  /** fit the camera when the next snapshot arrives */
  fitNext: true,
  /** waiting for an answer to a hello sent because of a seq gap */
  resyncing: false,
  /** true once the user moved the camera, so new data does not refit */
  userMoved: false,
};

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
    grid = new Grid(store.order());
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
  if (animating) requestDraw();
}

function resize() {
  renderer.resize();
  if (ui.fitNext === false && !ui.userMoved && store.nodes.size) firstView();
  requestDraw();
}

/** Show the whole tree (the Fit button, the 0 key). */
function fitView() {
  ui.camera = fit(store.bounds, renderer.w, renderer.h);
  requestDraw();
}

/** The view of a tree just received: see initialCamera. */
function firstView() {
  const root = store.order()[0] || null;
  ui.camera = initialCamera(store.bounds, root, store.nodes.size, renderer.w, renderer.h);
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
  onMessage: (/** @type {any} */ m) => { if (!timeline.past) onMessage(m); },
  onBytes: () => {
    if (!timing.firstBytes) timing.firstBytes = performance.now();
  },
  onState: showState,
});

/**
 * Tell the server what to send. After a reconnect or a gap, since asks for
 * the missed patches of the same view; after a change of view, filter or
 * expansion it asks for a fresh snapshot.
 * @param {boolean} resume
 */
function hello(resume) {
  // A request the user makes starts the count of refusals afresh: only
  // the page's own resends after a refusal may loop.
  if (!resume) ui.refusals = 0;
  const expand = [...ui.expand].sort();
  const sameKey = store.key === snapshotKey({ view: ui.view, group: ui.group, q: ui.q, expand });
  /** @type {{type: string, view: string, group: string, q: string, expand: string[], since?: number, reveal?: string}} */
  const msg = { type: "hello", view: ui.view, group: ui.group, q: ui.q, expand };
  if (resume && sameKey && store.seq >= 0) msg.since = store.seq;
  if (ui.revealPending && ui.sel) msg.reveal = ui.sel;
  if (conn.send(msg)) {
    timing.hellos++;
    ui.revealSent = !!msg.reveal;
  }
}

/** @param {any} msg */
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
      const prev = store.key ? JSON.parse(store.key) : null;
      const newPicture = !prev || prev[0] !== (msg.view || "owner") || prev[1] !== (msg.q || "") ||
        prev[3] !== (msg.group || "container");
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
      logChanges(changes);
      // A refused filter keeps its error until the user edits it.
      if (!ui.badQ) setError("");
      if (ui.fitNext || newPicture) {
        renderer.resize();
        firstView();
        ui.fitNext = false;
        ui.userMoved = false;
      }
      afterData(was);
      if (!timing.firstApplied) {
        // Draw the first picture at once rather than at the next animation
        // frame, which a busy main thread (a 6 MB snapshot) can delay.
        timing.firstApplied = performance.now();
        frame();
      }
      if (ui.sel && store.nodes.has(ui.sel) && newView) {
        openDetails(ui.sel, false);
        const n = store.nodes.get(ui.sel);
        if (n) ui.camera = reveal(ui.camera, n, renderer.w, renderer.h);
      } else if (ui.sel && newView && (details.hidden || panel.node?.id !== ui.sel)) {
        // A link to a namespace this view does not show (a filter hides
        // it, or it ended): the server still tells what it is, or that it
        // is gone.
        openAway(ui.sel);
      }
      break;
    }
    case "patch": {
      const wasEmpty = store.nodes.size === 0;
      const was = trail(store.nodes, ui.focus);
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
      logChanges(changes);
      // The first nodes of an empty picture (a filter waiting for a match):
      // bring them into view.
      if (wasEmpty && store.nodes.size && !ui.userMoved) firstView();
      afterData(was);
      break;
    }
    case "error":
      refused(msg);
      break;
    default:
      console.warn("nsweb: unknown message type", msg.type);
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
      announce(n);
    }
  }
  detailsAfterData();
  foldBtn.hidden = ui.expand.size === 0;
  showSummary();
  showState(conn.state);
  empty.hidden = store.nodes.size > 0;
  empty.textContent = ui.q ? `Nothing matches “${ui.q}”.` : "No namespaces to show.";
  requestDraw();
}

/**
 * The server refused the last hello. The error shows at the search box,
 * where a filter is typed. When it names a field of the hello, that part of
 * the request goes back to what the picture shows (or to the default when
 * there is no picture yet, as for a link with a bad filter) and the hello
 * is sent again, so the page never waits on a request the server will not
 * answer. A refusal of an older hello than the current request is only
 * shown.
 * @param {{error?: string, field?: string, value?: string}} msg
 */
function refused(msg) {
  const text = String(msg.error || "the server refused the request");
  const field = typeof msg.field === "string" ? msg.field : "";
  /** @type {Record<string, string>} */
  const sent = { q: ui.q, view: ui.view, group: ui.group };
  if (field in sent && typeof msg.value === "string" && msg.value !== sent[field]) return; // superseded
  setError(text);
  if (!field || ++ui.refusals > 2) return;
  if (field === "q") ui.badQ = msg.value ?? ui.q;
  // What the picture on screen was asked with: [view, q, expand, group].
  /** @type {[string, string, string[], string] | null} */
  const shown = store.key ? JSON.parse(store.key) : null;
  if (shown && ui.refusals === 1) {
    ui.view = shown[0] === "pid" ? "pid" : "owner";
    ui.q = shown[1];
    ui.expand = new Set(shown[2]);
    ui.group = GROUPS.find((g) => g === shown[3]) || DEFAULT_GROUP;
  } else {
    if (field === "q") ui.q = "";
    if (field === "expand") ui.expand.clear();
    if (field === "view") ui.view = "owner";
    if (field === "group") ui.group = DEFAULT_GROUP;
    if (field === "reveal") ui.revealPending = false;
  }
  ui.terms = parseQuery(ui.q);
  viewSel.value = ui.view;
  groupSel.value = ui.group;
  showGroupSwitch();
  saveURL();
  hello(true);
  foldBtn.hidden = ui.expand.size === 0;
  if (store.seq >= 0) showSummary();
  requestDraw();
}

/** @param {string} text */
function setError(text) {
  qError.textContent = text;
  qInput.setAttribute("aria-invalid", text ? "true" : "false");
}

/** @param {import("./backoff.js").ConnState} s */
function showState(s) {
  const taken = store.meta.taken ? new Date(store.meta.taken) : null;
  const at = taken && !isNaN(+taken) ? taken.toLocaleTimeString() : "";
  const text = {
    connecting: "connecting…",
    live: at ? `live · ${at}` : "live",
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
    const ended = !details.hidden && panel.node?.id === ui.sel && panel.state === "ended";
    parts.push(ended ? `selected ${ui.sel} ended` : `selected ${ui.sel} is not in this view`);
  }
  summary.textContent = parts.join(" · ");
}

// --- change log ------------------------------------------------------------

const LOG_MAX = 100;

/**
 * How the log shows each kind of change. Only "ended" says a namespace is
 * gone: one that no longer matches the filter, or folded into a group,
 * still exists and only "left the view". Likewise only "appeared" says it
 * is new: one that the filter keeps now, or that came out of a group that
 * unfolded, existed before and only "entered the view".
 * @type {Record<import("./store.js").ChangeKind, {className: string, said: string, title: string}>}
 */
const LOG_KINDS = {
  appeared: { className: "add", said: "appeared", title: "Appeared: new on the host" },
  changed: { className: "upd", said: "changed", title: "" },
  ended: { className: "del", said: "ended", title: "Ended: gone from the host" },
  entered: { className: "entered", said: "entered the view", title: "Entered the view: the filter keeps it now, or its group unfolded; it is not new" },
  left: { className: "left", said: "left the view", title: "Left the view: the filter no longer keeps it, or it folded into a group; it still exists" },
};

/** @param {import("./store.js").Change[]} changes */
function logChanges(changes) {
  if (!changes.length) return;
  const frag = document.createDocumentFragment();
  // Newest first; a big burst is summarised so the log stays readable,
  // what happened on the host before what only entered or left the view.
  const shown = forLog(changes, 30).reverse();
  for (const c of shown) {
    const li = document.createElement("li");
    const how = LOG_KINDS[c.kind];
    li.className = how.className;
    // A count inside a folded group says its words: the group stays.
    if (c.count) li.classList.add("in");
    if (how.title) li.title = how.title;
    const time = document.createElement("time");
    const d = new Date(c.t);
    time.dateTime = d.toISOString();
    time.textContent = d.toLocaleTimeString();
    // The sign is for the eye; screen readers read the words beside it (an
    // aria-label on a plain span is not read).
    const sign = document.createElement("span");
    sign.className = "sign";
    sign.textContent = c.sign;
    sign.setAttribute("aria-hidden", "true");
    const said = document.createElement("span");
    said.className = "sr-only";
    said.textContent = `${how.said}: `;
    const gone = c.kind === "ended" || c.kind === "left";
    const text = document.createElement(gone ? "span" : "button");
    text.className = "what";
    if (c.count) text.append(`${c.text} ${how.said} (in ${c.group})`);
    else text.append(said, c.text);
    if (text instanceof HTMLButtonElement) {
      text.type = "button";
      text.dataset.id = c.id;
    }
    li.append(time, sign, text);
    frag.append(li);
  }
  if (changes.length > 30) {
    const li = document.createElement("li");
    li.className = "more";
    li.textContent = `… and ${changes.length - 30} more changes`;
    frag.append(li);
  }
  logList.prepend(frag);
  while (logList.children.length > LOG_MAX) logList.lastElementChild?.remove();
}

logList.addEventListener("click", (ev) => {
  const b = /** @type {HTMLElement} */ (ev.target).closest("button[data-id]");
  if (!(b instanceof HTMLElement) || !b.dataset.id) return;
  const n = store.nodes.get(b.dataset.id);
  if (!n) return;
  select(n.id);
  centerOn(n);
});

// --- details -----------------------------------------------------------------
//
// The panel follows its node while it is open. A patch that changes the node
// (anything but its position) redraws the panel from the node at once and
// asks GET /api/v1/ns/{id} again for the full process list; the requests are
// spaced (REFETCH_*), so a namespace that churns costs the server about one
// request a second rather than one a patch. A node that leaves the view is
// asked after too, because only the server can tell a namespace that ended
// (404, final: NSIDs are never reused) from one a filter or a folded group
// hides. Redrawing keeps the reader's place: the focus, the scroll position
// and the opened command lines stay.

/** Wait after a change before asking, so that a burst of patches costs one request. */
const REFETCH_DEBOUNCE_MS = 250;
/** Least time between two requests for the open namespace while it is in view. */
const REFETCH_GAP_MS = 1000;
/**
 * The same while it is out of view: every patch of the host asks then, not
 * only those that touch the namespace.
 */
const REFETCH_AWAY_GAP_MS = 5000;

/** What the details panel shows and how it keeps it fresh. */
const panel = {
  /** @type {WireNode | null} the node shown, the last one seen in the view */
  node: null,
  /**
   * the node was never in the view (a link to a namespace a filter hides):
   * it is made of the server's answers (nodeFromFull)
   */
  fromAPI: false,
  /** its content without its position (nodeSig), to tell a change from a move */
  sig: "",
  /** @type {any} the last full answer of GET /api/v1/ns/{id} */
  full: null,
  /** @type {"live" | "away" | "ended"} in the view, out of it, or no longer on the host */
  state: /** @type {"live" | "away" | "ended"} */ ("live"),
  /** what the state line says; empty while live */
  stateText: "",
  /** the note under the processes instead of their count: loading, a failure */
  note: "",
  /** @type {Set<string>} PIDs whose command line is shown in full */
  open: new Set(),
  /** the last rendering, so that an unchanged answer leaves the page alone */
  shown: "",
  /** number of the current request; an answer to an older one is dropped */
  req: 0,
  timer: 0,
  inFlight: false,
  /** something changed since the last request was sent */
  dirty: false,
  /** the least spacing asked for by the changes since then */
  gap: Infinity,
  /** performance.now() of the last request, and how long it took */
  last: -Infinity,
  took: 0,
};

/** @param {WireNode} n */
const hasNS = (n) => n.kind !== "group" && !!n.ns;

/**
 * A node's content without its position: a move alone changes nothing the
 * panel shows.
 * @param {WireNode} n
 */
const nodeSig = (n) => JSON.stringify({ ...n, x: 0, y: 0 });

/**
 * @param {string} id
 * @param {boolean} focusPanel move keyboard focus into the panel
 */
function openDetails(id, focusPanel) {
  const n = store.nodes.get(id);
  if (!n) return;
  if (panel.node?.id !== id) panel.open.clear();
  stopRefetch();
  Object.assign(panel, { node: n, fromAPI: false, sig: nodeSig(n), full: null, state: "live", stateText: "", shown: "" });
  panel.note = hasNS(n) ? "Loading the full process list…" : "";
  // Visible first, so that the command lines can be measured.
  details.hidden = false;
  renderDetails();
  if (focusPanel) $("details-title").focus();
  if (hasNS(n)) fetchFull();
}

/**
 * Open the details of a namespace the view does not show, from the server
 * alone: the panel says that it is not in this view, or that it ended, as
 * it does for one that leaves the view while open. Only a namespace node
 * ID ("ns:<NSID>") can be asked for.
 * @param {string} id
 */
function openAway(id) {
  if (!/^ns:[1-9][0-9]*$/.test(id)) return;
  const n = nodeFromFull(id, null);
  if (!n.ns || !Number.isSafeInteger(n.ns)) return;
  if (panel.node?.id !== id) panel.open.clear();
  stopRefetch();
  Object.assign(panel, { node: n, fromAPI: true, sig: "", full: null, state: "away", shown: "" });
  panel.stateText = "Not in this view; asking the server about it…";
  panel.note = "Loading the full process list…";
  details.hidden = false;
  renderDetails();
  fetchFull();
}

/** Forget any planned or running request for the panel. */
function stopRefetch() {
  clearTimeout(panel.timer);
  Object.assign(panel, { timer: 0, req: panel.req + 1, inFlight: false, dirty: false, gap: Infinity, last: -Infinity, took: 0 });
}

/**
 * Ask again for the open namespace, once the spacing allows.
 * @param {number} [gap] least time since the last request
 */
function scheduleRefetch(gap = panel.state === "live" ? REFETCH_GAP_MS : REFETCH_AWAY_GAP_MS) {
  panel.dirty = true;
  panel.gap = Math.min(panel.gap, gap);
  if (panel.timer || panel.inFlight) return;
  // A slow answer (a namespace of thousands of processes) spaces them more.
  const wait = Math.max(REFETCH_DEBOUNCE_MS, panel.last + Math.max(panel.gap, 4 * panel.took) - performance.now());
  panel.timer = window.setTimeout(fetchFull, wait);
}

/**
 * The URL of everything about namespace nsid, named by its ID alone.
 * @param {number | undefined} nsid
 */
const nsURL = (nsid) => `/api/v1/ns/ns:${encodeURIComponent(String(nsid))}`;

/** Ask the server for everything about the open namespace. */
function fetchFull() {
  clearTimeout(panel.timer);
  panel.timer = 0;
  const n = panel.node;
  if (!n || !hasNS(n) || panel.state === "ended" || details.hidden) return;
  if (document.hidden) {
    // Nobody is looking: ask when the page shows again (visibilitychange).
    panel.dirty = true;
    return;
  }
  const req = ++panel.req;
  panel.inFlight = true;
  panel.dirty = false;
  panel.gap = Infinity;
  const t0 = performance.now();
  panel.last = t0;
  // By NSID (ns:N): a bare number names an inode too, and may answer
  // about another namespace (docs/protocol.md, GET /api/v1/ns/{ref}).
  fetch(nsURL(n.ns), { headers: { Accept: "application/json" } })
    .then(async (r) => {
      const body = await r.json().catch(() => ({}));
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
      return body;
    })
    .then((full) => {
      if (req !== panel.req) return;
      panel.note = "";
      if (full === null) {
        // Final: a namespace that ended never comes back under its NSID.
        clearTimeout(panel.timer);
        Object.assign(panel, { state: "ended", full: null, timer: 0, dirty: false });
        panel.stateText = `Ended: this namespace no longer exists (gone by ${new Date().toLocaleTimeString()}).`;
      } else {
        panel.full = full;
        // Never seen in the view: the answer is all there is to show.
        if (panel.fromAPI) panel.node = nodeFromFull(n.id, full);
        if (store.nodes.has(n.id)) {
          panel.state = "live";
          panel.stateText = "";
        } else {
          const t = new Date(full.taken);
          panel.state = "away";
          panel.stateText = `Not in this view (a filter hides it, or it is folded into a group). As the server saw it${isNaN(+t) ? "" : ` at ${t.toLocaleTimeString()}`}.`;
        }
      }
      renderDetails();
      // The footer notes a selection out of view: as ended, now, perhaps.
      if (store.seq >= 0) showSummary();
    })
    .catch((err) => {
      if (req !== panel.req) return;
      panel.note = `Full process list unavailable: ${visibleText(err.message)}`;
      renderDetails();
    })
    .finally(() => {
      if (req !== panel.req) return;
      panel.inFlight = false;
      panel.took = performance.now() - t0;
      // Changes during the request ask again, as soon as they asked.
      if (panel.dirty) scheduleRefetch(panel.gap);
    });
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && panel.dirty && !details.hidden) scheduleRefetch();
});

/** After a snapshot or patch: follow the open node. */
function detailsAfterData() {
  const before = panel.node;
  if (details.hidden || !before || panel.state === "ended") return;
  const n = store.nodes.get(before.id);
  if (n) {
    panel.node = n;
    panel.fromAPI = false;
    const sig = nodeSig(n);
    if (sig === panel.sig && panel.state === "live") return;
    panel.sig = sig;
    if (panel.state !== "live") {
      panel.state = "live";
      panel.stateText = "";
    }
    renderDetails();
    if (hasNS(n)) scheduleRefetch();
  } else if (panel.state === "live") {
    panel.state = "away";
    panel.stateText = hasNS(before) ? "Gone from this view; asking the server whether it still exists…" : "Gone from this view.";
    renderDetails();
    if (hasNS(before)) scheduleRefetch(REFETCH_GAP_MS);
  } else if (hasNS(before)) {
    // Out of view, the stream no longer says when it changes or ends.
    scheduleRefetch();
  }
}

/** Draw the panel from what it knows. */
function renderDetails() {
  const n = panel.node;
  if (!n) return;
  let d = fromNode(n, store.nodes);
  // An ended namespace keeps what it was, not what was in it.
  if (panel.state === "ended") d = { ...d, procs: [], procTotal: 0, containers: [], heldBy: [] };
  else if (panel.full) d = withFull(d, panel.full);
  showDetails(d);
}

/** @param {import("./detailsdata.js").Details} d */
function showDetails(d) {
  const key = JSON.stringify([d, panel.state, panel.stateText, panel.note]);
  if (key === panel.shown) return;
  panel.shown = key;
  // The reader's place: what has the focus, how far the lists are scrolled.
  const active = document.activeElement;
  const focusKey = active instanceof HTMLElement && details.contains(active) ? active.dataset.focus : undefined;
  const side = /** @type {HTMLElement} */ (details.parentElement);
  const wrap = /** @type {HTMLElement} */ (details.querySelector(".procs-wrap"));
  const scrolled = [side.scrollTop, wrap.scrollTop];

  details.dataset.state = panel.state;
  const stateEl = $("details-state");
  stateEl.textContent = panel.stateText;
  stateEl.hidden = !panel.stateText;
  $("details-title").textContent = d.title;
  $("ns-parts").hidden = !!d.box;
  const rows = $("details-rows");
  rows.replaceChildren();
  for (const r of d.rows) {
    const dt = document.createElement("dt");
    dt.textContent = r.label;
    const dd = document.createElement("dd");
    const v = document.createElement("span");
    v.className = "val";
    v.textContent = r.value || "—";
    dd.append(v);
    if (r.copy) dd.append(copyButton(r.copy, r.label, `row:${r.label}`));
    rows.append(dt, dd);
  }
  const tbody = /** @type {HTMLTableElement} */ ($("procs")).tBodies[0];
  tbody.replaceChildren();
  for (const p of d.procs) {
    const tr = document.createElement("tr");
    const pid = document.createElement("td");
    pid.textContent = p.pid;
    const cmd = document.createElement("td");
    const cell = document.createElement("div");
    cell.className = "cell";
    const s = document.createElement("span");
    s.className = "val cmd";
    s.textContent = p.command;
    s.dataset.pid = p.pid;
    if (panel.open.has(p.pid)) s.classList.add("open");
    cell.append(s);
    if (p.copy) cell.append(copyButton(p.copy, `command of PID ${p.pid}`, `copy:${p.pid}`));
    cmd.append(cell);
    const user = document.createElement("td");
    user.textContent = p.user;
    tr.append(pid, cmd, user);
    tbody.append(tr);
  }
  const note = $("procs-note");
  if (panel.note) note.textContent = panel.note;
  else if (!d.procs.length) note.textContent = d.procTotal ? `${d.procTotal} processes` : "No member processes.";
  else if (d.procTotal > d.procs.length) note.textContent = `Showing ${d.procs.length} of ${d.procTotal} processes.`;
  else note.textContent = `${d.procs.length} process${d.procs.length === 1 ? "" : "es"}.`;
  fillList($("containers"), d.containers, "None.");
  fillList($("held"), d.heldBy, "Nothing recorded.");
  markLongCommands();

  [side.scrollTop, wrap.scrollTop] = scrolled;
  if (focusKey !== undefined) {
    // The same control in the new rows, or the panel itself when it went
    // with its row; never the page's body.
    const again = [...details.querySelectorAll("[data-focus]")].find((e) => e instanceof HTMLElement && e.dataset.focus === focusKey);
    (again instanceof HTMLElement ? again : $("details-title")).focus({ preventScroll: true });
  }
}

/**
 * Command lines are cut to three lines (style.css). Those that the cut hides
 * something of become toggles: a tooltip with the whole line, and a click,
 * Enter or Space shows it in full (aria-expanded says which). Measured, as
 * only the layout knows where a line wraps; again when the panel's width
 * changes.
 */
function markLongCommands() {
  if (details.hidden) return;
  const cells = /** @type {HTMLElement[]} */ ([...$("procs").querySelectorAll(".cmd")]);
  // All reads, then all writes: one layout however many rows.
  const long = cells.map((s) => s.classList.contains("open") || s.scrollHeight > s.clientHeight + 1);
  cells.forEach((s, i) => {
    if (long[i]) {
      s.tabIndex = 0;
      s.setAttribute("role", "button");
      s.setAttribute("aria-expanded", String(s.classList.contains("open")));
      s.title = s.textContent || "";
      s.dataset.focus = `cmd:${s.dataset.pid}`;
    } else {
      s.removeAttribute("tabindex");
      for (const a of ["role", "aria-expanded", "title", "data-focus"]) s.removeAttribute(a);
    }
  });
}

let procsWidth = 0;
new ResizeObserver(() => {
  const w = $("procs").clientWidth;
  if (w === procsWidth) return;
  procsWidth = w;
  markLongCommands();
}).observe($("procs"));

/** @param {HTMLElement} s a command cell made a toggle by markLongCommands */
function toggleCommand(s) {
  const open = s.classList.toggle("open");
  s.setAttribute("aria-expanded", String(open));
  const pid = s.dataset.pid || "";
  if (open) panel.open.add(pid);
  else panel.open.delete(pid);
}

details.addEventListener("click", (ev) => {
  const s = /** @type {HTMLElement} */ (ev.target).closest(".cmd[role=button]");
  if (!(s instanceof HTMLElement)) return;
  // Selecting part of the line to copy it is no request to fold it.
  const sel = getSelection();
  if (sel && !sel.isCollapsed && s.contains(sel.anchorNode)) return;
  toggleCommand(s);
});
details.addEventListener("keydown", (ev) => {
  const s = /** @type {HTMLElement} */ (ev.target);
  if (!s.matches(".cmd[role=button]") || (ev.key !== "Enter" && ev.key !== " ")) return;
  ev.preventDefault();
  toggleCommand(s);
});

/**
 * @param {HTMLElement} ul
 * @param {string[]} items
 * @param {string} none
 */
function fillList(ul, items, none) {
  ul.replaceChildren();
  for (const t of items.length ? items : [none]) {
    const li = document.createElement("li");
    li.textContent = t;
    if (!items.length) li.className = "none";
    ul.append(li);
  }
}

/**
 * A button that copies a value, with a fallback for pages where the async
 * clipboard is unavailable (plain http on another host).
 * @param {string} value
 * @param {string} what
 * @param {string} focus names the button across redraws of the panel
 */
function copyButton(value, what, focus) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "copy";
  b.textContent = "Copy";
  b.setAttribute("aria-label", `Copy ${what}`);
  b.dataset.value = value;
  b.dataset.focus = focus;
  return b;
}

details.addEventListener("click", async (ev) => {
  const b = /** @type {HTMLElement} */ (ev.target).closest("button.copy");
  if (!(b instanceof HTMLButtonElement)) return;
  const ok = await copyText(b.dataset.value || "");
  b.textContent = ok ? "Copied" : "Copy failed";
  setTimeout(() => (b.textContent = "Copy"), 1500);
});

/**
 * @param {string} text
 * @returns {Promise<boolean>}
 */
async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the old way
  }
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.className = "offscreen";
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

function closeDetails() {
  details.hidden = true;
  stopRefetch();
  panel.node = null;
  ui.sel = "";
  saveURL();
  requestDraw();
  canvas.focus();
}
$("details-close").addEventListener("click", closeDetails);

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
  openDetails(id, focusPanel);
  requestDraw();
}

// --- URL, search, view ---------------------------------------------------------

function saveURL() {
  const picture = { view: ui.view, group: ui.group, q: ui.q, expand: ui.expand };
  const s = formatState({ ...picture, expand: [...ui.expand], sel: ui.sel, expandNamed: ui.expandNamed });
  if (s !== location.search && !(s === "" && location.search === "")) {
    history.replaceState(null, "", `${location.pathname}${s}`);
  }
  // The download names the view always, so the saved file says which.
  const p = new URLSearchParams({ view: ui.view });
  for (const [k, v] of pictureParams(picture)) if (k !== "view") p.append(k, v);
  download.href = `/snapshot.svg?${p}`;
  download.download = `nsweb-${ui.view}.svg`;
}

/** @param {string} q */
function setQuery(q) {
  q = q.trim();
  if (q === ui.q) {
    // Back to the filter on screen after a refused one: nothing to ask.
    if (ui.badQ) {
      ui.badQ = "";
      setError("");
    }
    return;
  }
  ui.badQ = "";
  ui.q = q;
  ui.terms = parseQuery(q);
  ui.expand.clear();
  saveURL();
  hello(false);
  requestDraw();
}

let qTimer = 0;
qInput.addEventListener("input", () => {
  clearTimeout(qTimer);
  qTimer = window.setTimeout(() => setQuery(qInput.value), 300);
});
$("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  clearTimeout(qTimer);
  setQuery(qInput.value);
});
qInput.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && qInput.value) {
    ev.stopPropagation();
    qInput.value = "";
    clearTimeout(qTimer);
    setQuery("");
  }
});

/**
 * The Group switch only changes the owner view: in the PID view it is
 * disabled, and says why.
 */
function showGroupSwitch() {
  const pid = ui.view === "pid";
  groupSel.disabled = pid;
  const why = pid
    ? "The PID view does not group: its nodes are PID namespaces, which nest, and a container is already one subtree. Switch to the owner view to group."
    : "Gather the owner view's namespaces under the containers and pods that use them";
  groupSel.title = why;
  const label = groupSel.closest("label");
  if (label) label.title = why;
}

viewSel.addEventListener("change", () => {
  ui.view = viewSel.value === "pid" ? "pid" : "owner";
  showGroupSwitch();
  ui.expand.clear();
  ui.userMoved = false;
  saveURL();
  hello(false);
});

groupSel.addEventListener("change", () => {
  const g = GROUPS.find((x) => x === groupSel.value);
  ui.group = g || DEFAULT_GROUP;
  ui.expand.clear();
  ui.userMoved = false;
  saveURL();
  hello(false);
});

foldBtn.addEventListener("click", () => {
  ui.expand.clear();
  ui.expandNamed = true;
  saveURL();
  hello(false);
});

// --- pointer: pan, pinch, hover, click --------------------------------------------

/** @type {Map<number, {x: number, y: number}>} */
const pointers = new Map();
let dragFrom = { x: 0, y: 0 };
let dragged = false;
let pinchDist = 0;
let pinchMid = { x: 0, y: 0 };

/** @param {PointerEvent | WheelEvent | MouseEvent} ev */
function local(ev) {
  const r = canvas.getBoundingClientRect();
  return { x: ev.clientX - r.left, y: ev.clientY - r.top };
}

/**
 * @param {number} sx
 * @param {number} sy
 * @returns {WireNode | null}
 */
function hitAt(sx, sy) {
  const w = toWorld(ui.camera, sx, sy);
  return ensureGrid().hit(w.x, w.y, 3 / ui.camera.scale);
}

canvas.addEventListener("pointerdown", (ev) => {
  try {
    canvas.setPointerCapture(ev.pointerId);
  } catch {
    // a pointer the browser does not track (synthetic); dragging still works inside the canvas
  }
  const p = local(ev);
  pointers.set(ev.pointerId, p);
  if (pointers.size === 1) {
    dragFrom = p;
    dragged = false;
  } else if (pointers.size === 2) {
    const [a, b] = [...pointers.values()];
    pinchDist = Math.hypot(a.x - b.x, a.y - b.y);
    pinchMid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    dragged = true;
  }
});

canvas.addEventListener("pointermove", (ev) => {
  const p = local(ev);
  const prev = pointers.get(ev.pointerId);
  if (!prev) {
    hoverAt(p.x, p.y, ev);
    return;
  }
  pointers.set(ev.pointerId, p);
  if (pointers.size >= 2) {
    const [a, b] = [...pointers.values()];
    // Two fingers pan with their middle and zoom with their spread, so the
    // point first under the middle stays under it.
    const d = Math.hypot(a.x - b.x, a.y - b.y);
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    if (pinchDist > 0 && d > 0) {
      ui.camera = zoomAt(pan(ui.camera, mid.x - pinchMid.x, mid.y - pinchMid.y), d / pinchDist, mid.x, mid.y);
      ui.userMoved = true;
    }
    pinchDist = d;
    pinchMid = mid;
    requestDraw();
    return;
  }
  if (!dragged && Math.hypot(p.x - dragFrom.x, p.y - dragFrom.y) > 4) {
    dragged = true;
    canvas.classList.add("dragging");
    tip.hidden = true;
  }
  if (dragged) {
    ui.camera = pan(ui.camera, p.x - prev.x, p.y - prev.y);
    ui.userMoved = true;
    requestDraw();
  }
});

/** @param {PointerEvent} ev */
function pointerEnd(ev) {
  const had = pointers.delete(ev.pointerId);
  if (pointers.size < 2) pinchDist = 0;
  if (!had || pointers.size > 0) return;
  canvas.classList.remove("dragging");
  if (!dragged && ev.type === "pointerup") {
    const p = local(ev);
    const n = hitAt(p.x, p.y);
    if (n) {
      ui.focus = n.id;
      select(n.id);
    }
  }
}
canvas.addEventListener("pointerup", pointerEnd);
canvas.addEventListener("pointercancel", pointerEnd);
canvas.addEventListener("pointerleave", () => {
  if (pointers.size) return;
  ui.hover = "";
  tip.hidden = true;
  requestDraw();
});

/**
 * @param {number} sx
 * @param {number} sy
 * @param {MouseEvent} ev
 */
function hoverAt(sx, sy, ev) {
  const n = hitAt(sx, sy);
  const id = n ? n.id : "";
  if (n) {
    tip.textContent = n.kind === "group" ? `${n.label} — click to expand` : n.label;
    const r = canvas.getBoundingClientRect();
    tip.style.left = `${Math.min(ev.clientX - r.left + 14, r.width - 260)}px`;
    tip.style.top = `${ev.clientY - r.top + 16}px`;
    tip.hidden = false;
  } else tip.hidden = true;
  canvas.classList.toggle("pointing", !!n);
  if (id !== ui.hover) {
    ui.hover = id;
    requestDraw();
  }
}

canvas.addEventListener(
  "wheel",
  (ev) => {
    ev.preventDefault();
    const p = local(ev);
    const unit = ev.deltaMode === 1 ? 33 : ev.deltaMode === 2 ? 400 : 1;
    const dy = ev.deltaY * unit;
    if (ev.shiftKey && !ev.ctrlKey) {
      ui.camera = pan(ui.camera, -dy, 0);
    } else {
      ui.camera = zoomAt(ui.camera, Math.exp(-dy * (ev.ctrlKey ? 0.01 : 0.0015)), p.x, p.y);
    }
    ui.userMoved = true;
    requestDraw();
  },
  { passive: false },
);

// The minimap moves the view to where it is clicked or dragged.
let miniDrag = false;
/** @param {PointerEvent} ev */
function miniMove(ev) {
  const r = miniCanvas.getBoundingClientRect();
  const w = minimap.toWorld(ev.clientX - r.left, ev.clientY - r.top);
  const s = toScreen(ui.camera, w.x, w.y);
  ui.camera = pan(ui.camera, renderer.w / 2 - s.x, renderer.h / 2 - s.y);
  ui.userMoved = true;
  requestDraw();
}
miniCanvas.addEventListener("pointerdown", (ev) => {
  miniDrag = true;
  miniCanvas.setPointerCapture(ev.pointerId);
  miniMove(ev);
});
miniCanvas.addEventListener("pointermove", (ev) => miniDrag && miniMove(ev));
miniCanvas.addEventListener("pointerup", () => (miniDrag = false));

// --- keyboard ----------------------------------------------------------------------

/** @param {number} factor */
function zoomCenter(factor) {
  ui.camera = zoomAt(ui.camera, factor, renderer.w / 2, renderer.h / 2);
  ui.userMoved = true;
  requestDraw();
}
$("zoom-in").addEventListener("click", () => zoomCenter(1.4));
$("zoom-out").addEventListener("click", () => zoomCenter(1 / 1.4));
$("fit").addEventListener("click", () => {
  ui.userMoved = false;
  fitView();
});

/** @param {WireNode} n */
function centerOn(n) {
  const s = toScreen(ui.camera, n.x + n.w / 2, n.y + n.h / 2);
  ui.camera = pan(ui.camera, renderer.w / 2 - s.x, renderer.h / 2 - s.y);
  ui.userMoved = true;
  requestDraw();
}

canvas.addEventListener("keydown", (ev) => {
  const step = 80;
  switch (ev.key) {
    case "+":
    case "=":
      zoomCenter(1.25);
      break;
    case "-":
    case "_":
      zoomCenter(0.8);
      break;
    case "0":
      ui.userMoved = false;
      fitView();
      break;
    case "ArrowLeft":
      ui.camera = pan(ui.camera, step, 0);
      break;
    case "ArrowRight":
      ui.camera = pan(ui.camera, -step, 0);
      break;
    case "ArrowUp":
      ui.camera = pan(ui.camera, 0, step);
      break;
    case "ArrowDown":
      ui.camera = pan(ui.camera, 0, -step);
      break;
    case "Tab": {
      // Walk every node in tree order, bringing each into view; past either
      // end, let the focus leave the canvas as usual so the keyboard is
      // never trapped.
      const list = store.order();
      let i = list.findIndex((n) => n.id === ui.focus);
      i = ev.shiftKey ? (i < 0 ? list.length - 1 : i - 1) : i + 1;
      if (i < 0 || i >= list.length) {
        ui.focus = "";
        requestDraw();
        return;
      }
      const n = list[i];
      ui.focus = n.id;
      ui.camera = reveal(ui.camera, n, renderer.w, renderer.h);
      announce(n);
      break;
    }
    case "Enter":
    case " ":
      if (!ui.focus) return;
      select(ui.focus, true);
      break;
    case "Escape":
      if (!details.hidden) closeDetails();
      else ui.focus = "";
      break;
    default:
      return;
  }
  ev.preventDefault();
  if (ev.key.startsWith("Arrow")) ui.userMoved = true;
  requestDraw();
});

/**
 * Say which node the keyboard is on, for screen readers.
 * @param {WireNode} n
 */
function announce(n) {
  focusSay.textContent = n.kind === "group" ? `${n.label}, group, Enter expands` : n.label;
}

// The keyboard's node stays while the tree is not focused (see ui.focus):
// only its ring goes, and comes back with the focus. Coming back by the
// keyboard (Escape from the details, Tab from the page) says where it is;
// a click chooses its own node.
canvas.addEventListener("blur", requestDraw);
canvas.addEventListener("focus", () => {
  const n = store.nodes.get(ui.focus);
  if (!n) ui.focus = "";
  else if (!pointers.size) announce(n);
  requestDraw();
});

document.addEventListener("keydown", (ev) => {
  const t = /** @type {HTMLElement} */ (ev.target);
  const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable;
  if (ev.key === "/" && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
    ev.preventDefault();
    qInput.focus();
    qInput.select();
  } else if (ev.key === "Escape" && !details.hidden && t !== canvas) {
    closeDetails();
  }
});

// --- theme, size, start -------------------------------------------------------------

const dark = matchMedia("(prefers-color-scheme: dark)");
dark.addEventListener("change", () => {
  renderer.retheme();
  minimap.cacheKey = "";
  drawLegend($("legend"), renderer.theme);
  requestDraw();
});

new ResizeObserver(resize).observe(canvas);

qInput.value = ui.q;
viewSel.value = ui.view;
groupSel.value = ui.group;
showGroupSwitch();
saveURL();
drawLegend($("legend"), renderer.theme);
renderer.resize();
const timeline = new Timeline({
  show: onMessage, live: () => hello(false),
  params: () => ({ view: ui.view, group: ui.group, q: ui.q, expand: [...ui.expand] }),
});
void timeline.start().then(() => { if (!timeline.el.hidden) void timeline.fillLog(logList); });
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
  get shownQ() { return store.key ? String(JSON.parse(store.key)[1]) : null; },
  get selected() { return ui.sel; },
  get conn() { return conn.state; },
  get camera() { return { ...ui.camera }; },
  get timing() { return { ...timing }; },
  get expanded() { return [...ui.expand]; },
  get focus() { return ui.focus; },
  /** the past moment shown (ISO), null when live */
  get at() { return timeline.at ? timeline.at.toISOString() : null; },
  get changes() { return logList.children.length; },
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
