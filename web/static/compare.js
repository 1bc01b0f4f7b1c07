// @ts-check
// Compare two moments on the timeline strip: the user presses "Compare…",
// clicks moment A and moment B on the strip (or "Live" for B; a moment
// already scrubbed to is A), or shift-clicks a moment to compare it with
// the one shown, and sees what appeared, ended and moved
// between containers (GET /api/v1/compare). The picture shows B with the
// namespaces that appeared outlined; the ended ones are listed, since B no
// longer has them. Esc or "Leave compare" returns to the picture shown
// before. app.js wires it with a few lines.

import { atOf, formatAt } from "./timeline.js";

/**
 * @typedef {{id: string, name?: string, pod?: string}} Owner
 * @typedef {{id: number, type: string, inode: number, pid?: number, comm?: string, containers?: Owner[], held?: string}} NS
 * @typedef {{kind: string, ns?: number, type?: string, inode?: number, pid?: number, comm?: string, from: Owner[], to: Owner[]}} Move
 * @typedef {{id: string, name: string, runtime?: string, image?: string, pod?: string}} Ctr
 * @typedef {{appeared: number, ended: number, moved: number, started: number, stopped: number}} Totals
 * @typedef {{from: string, to: string, live?: boolean, appeared: NS[], ended: NS[], moved: Move[],
 *   containers: {started: Ctr[], stopped: Ctr[]}, totals: Totals, truncated?: boolean}} Diff
 */

/**
 * The URL of a comparison; to null compares with the present. q is the
 * picture's filter: the lists hold what the picture can show.
 * @param {Date} from
 * @param {Date | null} to
 * @param {string} [q]
 */
export function compareURL(from, to, q = "") {
  const u = new URLSearchParams();
  u.set("from", from.toISOString());
  if (to) u.set("to", to.toISOString());
  if (q) u.set("q", q);
  return "/api/v1/compare?" + u.toString();
}

/**
 * The two moments in order: a user may mark the later one first. null
 * (live) is the latest.
 * @param {Date} a
 * @param {Date | null} b
 * @returns {[Date, Date | null]}
 */
export function ordered(a, b) {
  if (b && b.getTime() < a.getTime()) return [b, a];
  return [a, b];
}

/**
 * The mode indicator: "Comparing 14:03:12 → live".
 * @param {Date} from
 * @param {Date | null} to
 * @param {Date} now
 */
export function modeLabel(from, to, now) {
  return "Comparing " + formatAt(from, now) + " → " + (to ? formatAt(to, now) : "live");
}

/** "1 namespace", "2 namespaces". @param {number} n @param {string} one */
const count = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;

/**
 * The summary line: "3 appeared · 1 ended · 2 moved · containers started:
 * web-3 · stopped: db".
 * @param {Diff} d
 */
export function summaryText(d) {
  const t = d.totals;
  const parts = [`${t.appeared} appeared`, `${t.ended} ended`, `${t.moved} moved`];
  /** @param {string} what @param {Ctr[]} cs @param {number} n */
  const ctrs = (what, cs, n) => {
    if (!n) return;
    const names = cs.map((c) => c.name).join(", ");
    parts.push(`${count(n, "container")} ${what}: ${names}${n > cs.length ? ", …" : ""}`);
  };
  ctrs("started", d.containers.started, t.started);
  ctrs("stopped", d.containers.stopped, t.stopped);
  return parts.join(" · ");
}

/** @param {Owner[] | undefined} os */
export function ownerNames(os) {
  return os && os.length ? os.map((o) => o.name || o.id.slice(0, 12)).join(", ") : "host";
}

/**
 * One namespace for a person: "net 4026532281 · pid 123 sleep · web-3".
 * @param {NS} n
 */
export function nsText(n) {
  const parts = [`${n.type} ${n.inode}`];
  if (n.pid) parts.push(`pid ${n.pid}${n.comm ? " " + n.comm : ""}`);
  if (n.held) parts.push(`held by ${n.held}`);
  if (n.containers && n.containers.length) parts.push(ownerNames(n.containers));
  return parts.join(" · ");
}

/** @param {Move} m */
export function moveText(m) {
  const what = m.kind === "process" ? `pid ${m.pid}${m.comm ? " " + m.comm : ""}` : `${m.type} ${m.inode}`;
  return `${what}: ${ownerNames(m.from)} → ${ownerNames(m.to)}`;
}

/**
 * The node IDs of the namespaces that appeared, as the picture names them.
 * @param {Diff | null} d
 */
export function appearedIDs(d) {
  return new Set(d ? d.appeared.map((n) => "ns:" + n.id) : []);
}

export class Compare {
  /**
   * @param {{timeline: import("./timeline.js").Timeline, has: (id: string) => boolean,
   *   select: (id: string) => void, requestDraw: () => void, color?: string, fetch?: typeof fetch}} opts
   */
  constructor(opts) {
    this.opts = opts;
    this.fetch = opts.fetch || window.fetch.bind(window);
    const tl = opts.timeline;
    /** @type {"off" | "pick" | "on"} */
    this.state = "off";
    /** @type {Date | null} moment A, once marked */
    this.a = null;
    /** @type {Diff | null} */
    this.diff = null;
    /** @type {Set<string>} */
    this.marked = new Set();
    /** @type {Date | null | undefined} the moment shown before comparing (null: live) */
    this.was = undefined;
    /** counts comparisons asked for: an answer to an older one is dropped */
    this.gen = 0;

    this.startBtn = button("cmp-start", "Compare…", "Compare two moments: what appeared, ended and moved (or shift-click the strip: that moment with the one shown)");
    this.liveB = button("cmp-live-b", "Live", "Compare moment A with the present");
    this.leaveBtn = button("cmp-leave", "Leave compare", "Leave compare mode (Esc)");
    this.liveB.hidden = this.leaveBtn.hidden = true;
    this.mode = document.createElement("span");
    this.mode.id = "cmp-mode";
    this.mode.className = "cmp-mode";
    this.mode.setAttribute("role", "status");
    this.mode.hidden = true;
    // Over the strip while moments are picked: a click marks a moment
    // rather than moving the scrubber.
    this.pick = document.createElement("div");
    this.pick.id = "cmp-pick";
    this.pick.className = "cmp-pick";
    this.pick.hidden = true;
    this.markA = document.createElement("div");
    this.markA.className = "cmp-mark";
    this.markA.hidden = true;
    // The keyboard's way: arrows move a cursor over the strip (Shift: ten
    // times as far, End: the present), Enter marks it.
    this.pick.tabIndex = 0;
    this.pick.setAttribute("role", "slider");
    this.pick.setAttribute("aria-label", "Moment to mark: arrows move, Enter marks, End is live");
    this.pick.setAttribute("aria-valuemin", "0");
    this.pick.setAttribute("aria-valuemax", "1000");
    this.cursor = 1000;
    this.markCur = document.createElement("div");
    this.markCur.className = "cmp-mark cmp-cursor";
    this.pick.append(this.markA, this.markCur);
    this.pick.addEventListener("keydown", (ev) => {
      const step = ev.shiftKey ? 100 : 10;
      const to = { ArrowLeft: this.cursor - step, ArrowRight: this.cursor + step, Home: 0, End: 1000 }[ev.key];
      if (to !== undefined) {
        ev.preventDefault();
        this.moveCursor(to);
      } else if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        void this.mark(this.cursor >= 1000 ? null : atOf(this.cursor, ...tl.range()));
      }
    });
    this.track = /** @type {HTMLElement | null} */ (tl.el.querySelector(".tl-track"));
    this.track?.append(this.pick);
    tl.el.append(this.mode, this.startBtn, this.liveB, this.leaveBtn);

    this.panel = document.createElement("section");
    this.panel.id = "compare";
    this.panel.className = "compare";
    this.panel.setAttribute("aria-label", "Comparison of two moments");
    this.panel.hidden = true;
    tl.el.after(this.panel);

    this.startBtn.addEventListener("click", () => this.begin());
    this.liveB.addEventListener("click", () => void this.mark(null));
    this.leaveBtn.addEventListener("click", () => this.leave());
    this.pick.addEventListener("click", (ev) => {
      const r = this.pick.getBoundingClientRect();
      // The last pixels stand for the present.
      const live = r.right - ev.clientX <= 3 || r.width <= 0;
      void this.mark(live ? null : atOf(((ev.clientX - r.left) / r.width) * 1000, ...tl.range()));
    });
    // Shift-click on the strip: compare that moment with the one shown.
    this.track?.addEventListener("mousedown", (ev) => {
      if (!ev.shiftKey || this.state === "pick" || !this.track) return;
      ev.preventDefault();
      ev.stopPropagation();
      const r = this.track.getBoundingClientRect();
      const shown = tl.at;
      this.leave(false);
      this.was = shown;
      void this.run(...ordered(atOf(((ev.clientX - r.left) / r.width) * 1000, ...tl.range()), shown));
    }, true);
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.state !== "off") {
        ev.preventDefault();
        this.leave();
      }
    });
    // Scrubbing elsewhere or going live ends the comparison: the picture
    // is no longer moment B.
    tl.scrub.addEventListener("change", () => { if (this.state === "on") this.leave(false); });
    tl.liveBtn.addEventListener("click", () => { if (this.state === "on") this.leave(false); });
  }

  /** Starts picking: a moment already shown is A. */
  begin() {
    const tl = this.opts.timeline;
    this.leave(false);
    this.was = tl.at;
    this.state = "pick";
    this.a = tl.at;
    this.startBtn.hidden = true;
    this.leaveBtn.hidden = false;
    this.pick.hidden = false;
    this.mode.hidden = false;
    tl.el.dataset.compare = "pick";
    if (this.a) this.showMarkA(this.a);
    this.moveCursor(1000);
    this.prompt();
    this.pick.focus();
  }

  /** Puts the keyboard's cursor at a strip position (0…1000). @param {number} v */
  moveCursor(v) {
    this.cursor = Math.min(1000, Math.max(0, v));
    this.markCur.style.left = `${this.cursor / 10}%`;
    this.pick.setAttribute("aria-valuenow", String(this.cursor));
    this.pick.setAttribute("aria-valuetext", this.cursor >= 1000 ? "live" : formatAt(atOf(this.cursor, ...this.opts.timeline.range()), new Date()));
  }

  prompt() {
    const now = new Date();
    this.liveB.hidden = !this.a;
    this.mode.textContent = this.a ? `A ${formatAt(this.a, now)}: click moment B on the strip, or Live` : "Compare: click moment A on the strip";
  }

  /** @param {Date} at */
  showMarkA(at) {
    const [since, until] = this.opts.timeline.range();
    const f = (at.getTime() - since.getTime()) / (until.getTime() - since.getTime());
    this.markA.style.left = `${Math.min(100, Math.max(0, f * 100))}%`;
    this.markA.hidden = false;
  }

  /**
   * Marks a moment (null: live): the first is A, the second B, which
   * compares them.
   * @param {Date | null} at
   */
  async mark(at) {
    if (this.state !== "pick") return;
    if (!this.a) {
      if (!at) return; // A is a moment of the past
      this.a = at;
      this.showMarkA(at);
      this.prompt();
      return;
    }
    const [from, to] = ordered(this.a, at);
    await this.run(from, to);
  }

  /**
   * Compares from with to (null: live) and shows it.
   * @param {Date} from
   * @param {Date | null} to
   */
  async run(from, to) {
    const tl = this.opts.timeline;
    if (this.state === "off") this.was = tl.at;
    this.state = "on";
    this.pick.hidden = true;
    this.liveB.hidden = true;
    this.startBtn.hidden = true;
    this.leaveBtn.hidden = false;
    this.mode.hidden = false;
    this.showMarkA(from);
    tl.el.dataset.compare = "on";
    const label = modeLabel(from, to, new Date());
    this.mode.textContent = label + " …";
    const gen = ++this.gen;
    // The picture is moment B; the links are made once it is shown.
    let shown = Promise.resolve();
    if (to) {
      const [since, until] = tl.range();
      tl.scrub.value = String(Math.round(((to.getTime() - since.getTime()) / (until.getTime() - since.getTime())) * 1000));
      shown = tl.goTo(to);
    } else if (tl.at) tl.goLive();
    /** @type {Diff} */
    let d;
    try {
      const r = await this.fetch(compareURL(from, to, tl.opts.params().q));
      const body = await r.json();
      await shown;
      if (this.state !== "on" || gen !== this.gen) return;
      if (!r.ok) {
        this.mode.textContent = label + ": " + (body.error || r.statusText);
        return;
      }
      d = body;
    } catch (e) {
      this.mode.textContent = label + ": " + String(e);
      return;
    }
    this.mode.textContent = label;
    this.diff = d;
    this.marked = appearedIDs(d);
    const q = tl.opts.params().q;
    this.fill(d, q ? `${label} · filter “${q}”` : label);
    this.opts.requestDraw();
  }

  /**
   * The summary panel: the totals, then the lists, each namespace a link
   * that selects it when the picture has it.
   * @param {Diff} d
   * @param {string} label
   */
  fill(d, label) {
    const h = document.createElement("h2");
    h.textContent = label;
    const sum = document.createElement("p");
    sum.className = "cmp-summary";
    sum.textContent = summaryText(d);
    this.panel.replaceChildren(h, sum);
    /** @param {string} cls @param {string} title @param {number} total @param {HTMLElement[]} items */
    const list = (cls, title, total, items) => {
      if (!total) return;
      const sec = document.createElement("div");
      sec.className = "cmp-list " + cls;
      const t = document.createElement("h3");
      t.textContent = `${title} (${total})`;
      const ul = document.createElement("ul");
      for (const it of items) {
        const li = document.createElement("li");
        li.append(it);
        ul.append(li);
      }
      if (total > items.length) {
        const li = document.createElement("li");
        li.className = "more";
        li.textContent = `… and ${total - items.length} more (GET /api/v1/compare with offset)`;
        ul.append(li);
      }
      sec.append(t, ul);
      this.panel.append(sec);
    };
    list("appeared", "Appeared", d.totals.appeared, d.appeared.map((n) => this.link(n.id, nsText(n))));
    list("ended", "Ended", d.totals.ended, d.ended.map((n) => text(nsText(n) + ` (ns:${n.id})`)));
    list("moved", "Moved", d.totals.moved, d.moved.map((m) => (m.ns ? this.link(m.ns, moveText(m)) : text(moveText(m)))));
    this.panel.hidden = false;
  }

  /**
   * A namespace that selects it in the picture; plain text when the
   * picture does not show it (folded into a group, filtered out).
   * @param {number} ns
   * @param {string} label
   */
  link(ns, label) {
    const id = "ns:" + ns;
    if (!this.opts.has(id)) {
      const s = text(label);
      s.title = `${id} is not in the picture (folded or filtered out)`;
      return s;
    }
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.dataset.ns = id;
    b.textContent = label;
    b.addEventListener("click", () => this.opts.select(id));
    return b;
  }

  /**
   * Leaves compare mode, by default back to the picture shown before.
   * @param {boolean} [restore]
   */
  leave(restore = true) {
    const tl = this.opts.timeline;
    const was = this.was, wasOn = this.state === "on";
    this.state = "off";
    this.gen++;
    this.a = null;
    this.diff = null;
    this.marked = new Set();
    this.was = undefined;
    this.pick.hidden = this.markA.hidden = this.mode.hidden = this.liveB.hidden = this.leaveBtn.hidden = true;
    this.startBtn.hidden = false;
    this.panel.hidden = true;
    this.panel.replaceChildren();
    delete tl.el.dataset.compare;
    if (restore && wasOn && was !== undefined) {
      if (was) {
        const [since, until] = tl.range();
        tl.scrub.value = String(Math.round(((was.getTime() - since.getTime()) / (until.getTime() - since.getTime())) * 1000));
        void tl.goTo(was);
      } else if (tl.at) tl.goLive();
    }
    this.opts.requestDraw();
  }

  /**
   * Outlines the namespaces that appeared, over the frame just drawn.
   * @param {CanvasRenderingContext2D} ctx
   * @param {number} dpr
   * @param {{x: number, y: number, scale: number}} cam
   * @param {Map<string, {x: number, y: number, w: number, h: number}>} nodes
   */
  draw(ctx, dpr, cam, nodes) {
    if (!this.marked.size) return;
    ctx.save();
    ctx.setTransform(dpr * cam.scale, 0, 0, dpr * cam.scale, dpr * cam.x, dpr * cam.y);
    const px = 1 / cam.scale;
    ctx.strokeStyle = this.opts.color || "#2da44e";
    ctx.lineWidth = Math.max(3 * px, 1.5);
    ctx.setLineDash([6 * px, 3 * px]);
    const pad = Math.max(5 * px, 3);
    for (const id of this.marked) {
      const n = nodes.get(id);
      if (n) ctx.strokeRect(n.x - pad, n.y - pad, n.w + 2 * pad, n.h + 2 * pad);
    }
    ctx.restore();
  }
}

/** @param {string} id @param {string} label @param {string} title */
function button(id, label, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.id = id;
  b.className = "btn";
  b.textContent = label;
  b.title = title;
  return b;
}

/** @param {string} s */
function text(s) {
  const span = document.createElement("span");
  span.textContent = s;
  return span;
}
