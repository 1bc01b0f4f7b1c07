// @ts-check
/**
 * The session with the server: what the page asks for (view, grouping,
 * filter, open groups, selection), kept in the URL so that it survives a
 * reload, and told to the server in hellos. Also the search box, the view
 * and group switches and Fold groups, which change that request, and the
 * handling of a refused one.
 */
import { $ } from "./dom.js";
import { snapshotKey } from "./store.js";
import { parseState, formatState, pictureParams, GROUPS, DEFAULT_GROUP, VIEWS } from "./urlstate.js";
import { parseQuery } from "./filterhl.js";
import { pictureOf } from "./picture.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * @typedef {object} ErrorMsg the server refused a hello
 * @property {"error"} type
 * @property {string} [error]
 * @property {string} [field] the hello's field it refused
 * @property {string} [value] that field's value as the hello sent it
 */
/** @typedef {import("./store.js").SnapshotMsg & {group?: string}} SnapshotMsg */
/** @typedef {SnapshotMsg | import("./store.js").PatchMsg | ErrorMsg | import("./histlog.js").HistoryMsg} ServerMsg what the stream sends (docs/protocol.md) */

/**
 * @typedef {object} HelloMsg what the page asks the stream for
 * @property {"hello"} type
 * @property {string} view
 * @property {string} group
 * @property {string} q
 * @property {string[]} expand
 * @property {number} [since] the last seq the page has, to resume
 * @property {string} [reveal] a node whose folded groups to open
 * @property {string} [replay] the recorded events since then first (histlog.js)
 * @property {string} [at] the picture of that past moment, no live patches (timeline.js)
 */

/**
 * The page's state, at first from the URL's query.
 * @param {string} search location.search
 * @param {import("./urlstate.js").Limits} [limits] the server's bounds on expand, as the page says them
 */
export function initialUI(search, limits) {
  const url = parseState(search, limits);
  return {
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
    /**
     * The time the change log's past is replayed from (histlog.js), sent
     * with hellos until the server's "history" answer arrives; "" none.
     */
    replay: "",
    /** the past moment the timeline shows (ISO), sent with hellos; "" live */
    at: "",
  };
}

/** @typedef {ReturnType<typeof initialUI>} UI */

/**
 * @typedef {object} App what the page's modules share: its state, and what
 *   they ask of the wiring (app.js)
 * @property {UI} ui
 * @property {import("./store.js").Store} store
 * @property {import("./render.js").Renderer} renderer
 * @property {import("./follow.js").Follow} follow
 * @property {import("./wiring.js").WiringOverlay} wiring
 * @property {import("./conn.js").Conn} conn
 * @property {{hellos: number}} timing
 * @property {HTMLCanvasElement} canvas
 * @property {() => void} requestDraw
 * @property {() => void} fitView
 * @property {() => void} saveURL
 * @property {(resume: boolean) => void} hello
 * @property {() => void} showSummary
 * @property {(id: string, focusPanel?: boolean) => void} select
 * @property {(r: import("./camera.js").Rect) => void} centerOn
 */

/**
 * The session's controls: the search box, its error, the switches, Fold
 * groups and the download link.
 * @param {App} app
 */
export function createSession(app) {
  const { ui, store, conn, wiring, follow, timing } = app;
  const qInput = /** @type {HTMLInputElement} */ ($("q"));
  const qError = $("q-error");
  const viewSel = /** @type {HTMLSelectElement} */ ($("view"));
  const groupSel = /** @type {HTMLSelectElement} */ ($("group"));
  const download = /** @type {HTMLAnchorElement} */ ($("download"));
  const foldBtn = /** @type {HTMLButtonElement} */ ($("fold"));
  const requestDraw = app.requestDraw;

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
    /** @type {HelloMsg} */
    const msg = { type: "hello", view: ui.view, group: ui.group, q: ui.q, expand };
    if (resume && sameKey && store.seq >= 0) msg.since = store.seq;
    if (ui.revealPending && ui.sel) msg.reveal = ui.sel;
    if (ui.replay && store.seq < 0) { // the page's first picture only
      msg.replay = ui.replay;
      delete msg.since; // the events lead to a picture, not to patches
    }
    if (ui.at) {
      msg.at = ui.at;
      delete msg.since;
      delete msg.replay; // asked again when live
    }
    if (conn.send(msg)) {
      timing.hellos++;
      ui.revealSent = !!msg.reveal;
    }
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
    if (field === "replay") {
      ui.replay = ""; // the log starts empty rather than the page waiting
      hello(true);
      return;
    }
    setError(text);
    if (!field || ++ui.refusals > 2) return;
    if (field === "q") ui.badQ = msg.value ?? ui.q;
    // What the picture on screen was asked with.
    const shown = pictureOf(store.key);
    if (shown && ui.refusals === 1) {
      ui.view = VIEWS.find((v) => v === shown.view) || "owner";
      ui.q = shown.q;
      ui.expand = new Set(shown.expand);
      ui.group = GROUPS.find((g) => g === shown.group) || DEFAULT_GROUP;
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
    if (store.seq >= 0) app.showSummary();
    requestDraw();
  }

  /** @param {string} text */
  function setError(text) {
    qError.textContent = text;
    qInput.setAttribute("aria-invalid", text ? "true" : "false");
  }

  function saveURL() {
    const picture = { view: ui.view, group: ui.group, q: ui.q, expand: ui.expand };
    const s = wiring.withParam(formatState({ ...picture, expand: [...ui.expand], sel: ui.sel, expandNamed: ui.expandNamed }));
    if (s !== location.search && !(s === "" && location.search === "")) {
      history.replaceState(null, "", `${location.pathname}${s}`);
    }
    // The download names the view always, so the saved file says which.
    const p = new URLSearchParams({ view: ui.view });
    for (const [k, v] of pictureParams(picture)) if (k !== "view") p.append(k, v);
    if (wiring.on) p.set("wiring", "1");
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
    ui.view = VIEWS.find((v) => v === viewSel.value) || "owner";
    showGroupSwitch();
    ui.expand.clear();
    follow.start();
    saveURL();
    hello(false);
  });

  groupSel.addEventListener("change", () => {
    const g = GROUPS.find((x) => x === groupSel.value);
    ui.group = g || DEFAULT_GROUP;
    ui.expand.clear();
    follow.start();
    saveURL();
    hello(false);
  });

  foldBtn.addEventListener("click", () => {
    ui.expand.clear();
    ui.expandNamed = true;
    saveURL();
    hello(false);
  });

  /** The controls as the state says, at start. */
  function start() {
    qInput.value = ui.q;
    viewSel.value = ui.view;
    groupSel.value = ui.group;
    showGroupSwitch();
  }

  return { hello, refused, setError, saveURL, start, qInput, foldBtn };
}
