// @ts-check
/**
 * The details panel: everything about the selected node, kept fresh while
 * it is open.
 *
 * The panel follows its node while it is open. A patch that changes the node
 * (anything but its position) redraws the panel from the node at once and
 * asks GET /api/v1/ns/{id} again for the full process list; the requests are
 * spaced (REFETCH_*), so a namespace that churns costs the server about one
 * request a second rather than one a patch. A node that leaves the view is
 * asked after too, because only the server can tell a namespace that ended
 * (404, final: NSIDs are never reused) from one a filter or a folded group
 * hides. Redrawing keeps the reader's place: the focus, the scroll position
 * and the opened command lines stay.
 */
import { $ } from "./dom.js";
import { copyButton, wireCopy } from "./copy.js";
import { fromNode, withFull, visibleText, nodeFromFull } from "./detailsdata.js";
import { askable, groupURL } from "./groupdetails.js";
import { insideSections, renderInside, insideQuery, wantMounts, namesFrom, boxFor } from "./inside.js";

/** @typedef {import("./store.js").WireNode} WireNode */
/** @typedef {"live" | "away" | "ended"} PanelState in the view, out of it, or no longer on the host */

/** Wait after a change before asking, so that a burst of patches costs one request. */
const REFETCH_DEBOUNCE_MS = 250;
/** Least time between two requests for the open namespace while it is in view. */
const REFETCH_GAP_MS = 1000;
/**
 * The same while it is out of view: every patch of the host asks then, not
 * only those that touch the namespace.
 */
const REFETCH_AWAY_GAP_MS = 5000;

/** @param {WireNode} n */
const hasNS = (n) => n.kind !== "group" && !!n.ns;

/**
 * A node's content without its position: a move alone changes nothing the
 * panel shows.
 * @param {WireNode} n
 */
const nodeSig = (n) => JSON.stringify({ ...n, x: 0, y: 0 });

/**
 * The URL of everything about namespace nsid, named by its ID alone.
 * @param {number | undefined} nsid
 */
const nsURL = (nsid) => `/api/v1/ns/ns:${encodeURIComponent(String(nsid))}`;

/**
 * The details panel of the page, wired to the app: it reads the store and
 * the selection, and asks the app to select, redraw and save the URL.
 * @param {import("./session.js").App} app
 */
export function createDetails(app) {
  const { store, ui, canvas } = app;
  const details = $("details");

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
    /** @type {PanelState} in the view, out of it, or no longer on the host */
    state: /** @type {PanelState} */ ("live"),
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
    if (askable(n)) fetchFull();
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

  /** Ask the server for everything about the open namespace. */
  function fetchFull() {
    clearTimeout(panel.timer);
    panel.timer = 0;
    const n = panel.node;
    if (!n || !askable(n) || panel.state === "ended" || details.hidden) return;
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
    fetch(n.kind === "group" ? groupURL(n.id, location.search) : nsURL(n.ns) + insideQuery(n.ns), { headers: { Accept: "application/json" } })
      .then(async (r) => {
        const body = await r.json().catch(() => ({}));
        if (r.status === 404) return null;
        if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
        return body;
      })
      .then((full) => {
        if (req !== panel.req) return;
        panel.note = "";
        if (full === null && n.kind === "group") panel.full = null; // opened meanwhile
        else if (full === null) {
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
        if (store.seq >= 0) app.showSummary();
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
      if (askable(n)) scheduleRefetch();
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
    // Nodes come without details: the server's answer fills them in.
    let d = fromNode(n.info || !panel.full ? n : { ...n, info: nodeFromFull(n.id, panel.full).info }, store.nodes);
    // An ended namespace keeps what it was, not what was in it.
    if (panel.state === "ended") d = { ...d, procs: [], procTotal: 0, containers: [], heldBy: [] };
    else if (panel.full) d = withFull(d, panel.full);
    showDetails(d);
    const { nameOf, ctrNode } = namesFrom(store.nodes);
    const box = n.kind === "container" || n.kind === "pod";
    const secs = panel.state === "ended" ? [] : box ? boxFor(n, nameOf, ctrNode, renderDetails) : insideSections(panel.full, nameOf, ctrNode);
    const open = (/** @type {string} */ id) => (store.nodes.has(id) ? app.select(id, true) : openAway(id));
    renderInside($("inside"), secs, open, () => (wantMounts(n.ns), fetchFull()));
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

  wireCopy(details);

  function closeDetails() {
    details.hidden = true;
    stopRefetch();
    panel.node = null;
    ui.sel = "";
    app.saveURL();
    app.requestDraw();
    canvas.focus();
  }
  $("details-close").addEventListener("click", closeDetails);

  return {
    open: openDetails,
    openAway,
    afterData: detailsAfterData,
    close: closeDetails,
    /** whether the panel is closed */
    get hidden() {
      return details.hidden;
    },
    /**
     * The state of the panel when it is open on id: "" when it shows
     * something else or nothing.
     * @param {string} id
     * @returns {PanelState | ""}
     */
    stateOf(id) {
      return !details.hidden && panel.node?.id === id ? panel.state : "";
    },
  };
}
