// @ts-check
// The timeline strip: namespaces born and ended over time, per type, from
// the server's history, with a scrubber that shows the picture of a past
// moment ("At 14:03:12") until the user returns to live. It also shows why
// there is no history (a corrupt store, --no-history) or that the page
// shows a saved model offline. app.js wires it with a few lines: it hands
// the snapshots of the past to the same code as the live ones.

/** The namespace types in the order the strip stacks them. */
export const TYPES = ["user", "pid", "net", "mnt", "uts", "ipc", "cgroup", "time"];

/**
 * @typedef {{t: string, born?: Record<string, number>, ended?: Record<string, number>}} Bucket
 * @typedef {{view: string, group: string, q: string, expand: string[]}} Params
 * @typedef {{enabled: boolean, error?: string, offline?: string, oldest?: string, newest?: string}} Status
 */

/**
 * The bars of a timeline: per bucket, born (up) and ended (down) stacked by
 * type, scaled to the busiest bucket.
 * @param {Bucket[]} buckets
 * @returns {{max: number, bars: {born: [string, number][], ended: [string, number][]}[]}}
 */
export function bars(buckets) {
  let max = 0;
  const out = buckets.map((b) => {
    /** @param {Record<string, number> | undefined} m @returns {[string, number][]} */
    const stack = (m) => TYPES.filter((t) => m && m[t] > 0).map((t) => [t, /** @type {Record<string, number>} */ (m)[t]]);
    const born = stack(b.born), ended = stack(b.ended);
    const sum = (/** @type {[string, number][]} */ s) => s.reduce((a, x) => a + x[1], 0);
    max = Math.max(max, sum(born), sum(ended));
    return { born, ended };
  });
  return { max, bars: out };
}

/**
 * The URL of the picture at a moment, for the parameters of the view.
 * @param {Date} at
 * @param {Params} p
 * @param {string} [path]
 */
export function pictureURL(at, p, path = "/api/v1/snapshot") {
  const u = new URLSearchParams();
  u.set("at", at.toISOString());
  if (p.view && p.view !== "owner") u.set("view", p.view);
  if (p.group && p.group !== "container") u.set("group", p.group);
  if (p.q) u.set("q", p.q);
  for (const g of [...p.expand].sort()) u.append("expand", g);
  return path + "?" + u.toString();
}

/**
 * A moment for the mode label: the time of day, with the date when it is
 * not today.
 * @param {Date} t
 * @param {Date} now
 */
export function formatAt(t, now) {
  const time = t.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return t.toDateString() === now.toDateString() ? time : t.toLocaleDateString() + " " + time;
}

/**
 * Why the server refused a past moment, in the strip's words: its "at:"
 * prefix dropped, and a moment before the history begins said as such
 * rather than as two RFC 3339 stamps.
 * @param {string | undefined} err
 * @param {Date} now
 */
export function refusal(err, now) {
  const e = (err || "refused").replace(/^at: /, "");
  const m = /^no history at \S+: it holds (\S+) to \S+$/.exec(e);
  const from = m ? new Date(m[1]) : null;
  if (!from || isNaN(+from)) return e;
  return "nothing recorded then; history starts at " + formatAt(from, now);
}

/** The moment a scrubber position (0…1000) stands for. @param {number} v @param {Date} since @param {Date} until */
export function atOf(v, since, until) {
  return new Date(since.getTime() + (until.getTime() - since.getTime()) * Math.min(1, Math.max(0, v / 1000)));
}

/**
 * Change-log lines of recorded events (the stream's history message,
 * histlog.js; GET /api/v1/history gives the same events).
 * @param {{t: string, kind: string, text?: string}[]} events
 */
export function logItems(events) {
  return events.filter((e) => e.text).map((e) => {
    const li = document.createElement("li");
    li.className = "hist " + (e.kind === "ended" || e.kind === "stopped" ? "ended" : e.kind === "held" ? "held" : "appeared");
    li.title = "recorded in the history";
    const time = document.createElement("time");
    const d = new Date(e.t);
    time.dateTime = d.toISOString();
    time.textContent = d.toLocaleTimeString();
    // Three cells, as the live log's lines: time, sign, words.
    const sign = document.createElement("span");
    sign.className = "sign";
    sign.textContent = e.kind === "ended" || e.kind === "stopped" ? "−" : e.kind === "born" || e.kind === "started" ? "+" : "·";
    sign.setAttribute("aria-hidden", "true");
    const text = document.createElement("span");
    text.className = "what";
    text.textContent = String(e.text);
    text.title = text.textContent; // the line is clipped to the panel: hover reads it whole
    li.append(time, sign, text);
    return li;
  });
}

const COLORS = /** @type {Record<string, string>} */ ({
  user: "#8e6bbf", pid: "#d08c2e", net: "#2f8fbf", mnt: "#6a9e3f", uts: "#c4577a", ipc: "#7a7a7a", cgroup: "#3fa39a", time: "#b0a040",
});

export class Timeline {
  /**
   * @param {{show: (msg: any) => void, ask: (at: Date) => void, live: () => void, params: () => Params, fetch?: typeof fetch}} opts
   */
  constructor(opts) {
    this.opts = opts;
    this.fetch = opts.fetch || window.fetch.bind(window);
    /** @type {Date | null} the moment shown; null: live */
    this.at = null;
    /** @type {() => void} settles the promise of the last goTo */
    this.settle = () => {};
    this.span = 60 * 60 * 1000;
    this.el = document.createElement("div");
    this.el.className = "timeline";
    this.el.hidden = true;
    this.el.setAttribute("role", "region");
    this.el.setAttribute("aria-label", "History");
    this.mode = document.createElement("span");
    this.mode.className = "tl-mode";
    this.mode.id = "tl-mode";
    this.canvas = document.createElement("canvas");
    this.canvas.className = "tl-bars";
    this.canvas.height = 36;
    this.canvas.width = 600;
    this.scrub = document.createElement("input");
    this.scrub.type = "range";
    this.scrub.min = "0";
    this.scrub.max = "1000";
    this.scrub.value = "1000";
    this.scrub.id = "tl-scrub";
    this.scrub.setAttribute("aria-label", "Moment shown: drag back in time, to the right end for live");
    this.liveBtn = document.createElement("button");
    this.liveBtn.type = "button";
    this.liveBtn.id = "tl-live";
    this.liveBtn.className = "btn";
    this.liveBtn.textContent = "Back to live";
    this.liveBtn.hidden = true;
    const track = document.createElement("div");
    track.className = "tl-track";
    track.append(this.canvas, this.scrub);
    this.el.append(this.mode, track, this.liveBtn);
    this.banner = document.createElement("div");
    this.banner.className = "banner";
    this.banner.id = "history-banner";
    this.banner.setAttribute("role", "status");
    this.banner.hidden = true;
    const app = document.getElementById("app");
    app?.before(this.banner, this.el);
    this.scrub.addEventListener("input", () => this.label(atOf(Number(this.scrub.value), ...this.range())));
    this.scrub.addEventListener("change", () => {
      if (Number(this.scrub.value) >= 1000) this.goLive();
      else void this.goTo(atOf(Number(this.scrub.value), ...this.range()));
    });
    this.liveBtn.addEventListener("click", () => this.goLive());
    this.label(null);
  }

  /** @returns {[Date, Date]} */
  range() {
    const until = new Date();
    return [new Date(until.getTime() - this.span), until];
  }

  /** @param {Date | null} at */
  label(at) {
    this.mode.dataset.mode = at ? "past" : "live";
    this.mode.textContent = at ? "At " + formatAt(at, new Date()) : "● Live";
    this.mode.title = "";
  }

  /** Asks the server whether it keeps history, and starts the strip. */
  async start() {
    // A server without the history API (an older nsweb) says nothing.
    if (!document.querySelector('meta[name="nsweb-history"]')) return;
    /** @type {Status} */
    let st;
    try {
      const r = await this.fetch("/api/v1/history/status");
      if (!r.ok) return;
      st = await r.json();
    } catch {
      return;
    }
    if (st.offline) {
      this.banner.textContent = st.offline;
      this.banner.hidden = false;
    } else if (st.error) {
      this.banner.textContent = "History off: " + st.error + ". nsweb shows the present only.";
      this.banner.hidden = false;
    }
    if (!st.enabled) return;
    this.el.hidden = false;
    await this.refresh();
    setInterval(() => { if (!this.at) void this.refresh(); }, 10000);
  }

  /** Draws the births and ends of the span shown. */
  async refresh() {
    const [since, until] = this.range();
    let data;
    try {
      const r = await this.fetch(`/api/v1/history/timeline?since=${since.toISOString()}&until=${until.toISOString()}&buckets=120`);
      if (!r.ok) return;
      data = await r.json();
    } catch {
      return;
    }
    this.draw(data.buckets || []);
  }

  /** @param {Bucket[]} buckets */
  draw(buckets) {
    const w = this.canvas.clientWidth || this.canvas.width;
    this.canvas.width = w;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const h = this.canvas.height, mid = h / 2;
    ctx.clearRect(0, 0, w, h);
    const { max, bars: bs } = bars(buckets);
    if (!max) return;
    const bw = w / bs.length;
    bs.forEach((b, i) => {
      let y = mid;
      for (const [t, n] of b.born) {
        const bh = (n / max) * (mid - 1);
        ctx.fillStyle = COLORS[t];
        ctx.fillRect(i * bw, y - bh, Math.max(1, bw - 1), bh);
        y -= bh;
      }
      y = mid;
      for (const [t, n] of b.ended) {
        const bh = (n / max) * (mid - 1);
        ctx.fillStyle = COLORS[t];
        ctx.globalAlpha = 0.5;
        ctx.fillRect(i * bw, y, Math.max(1, bw - 1), bh);
        ctx.globalAlpha = 1;
        y += bh;
      }
    });
  }

  /**
   * Shows the picture of a past moment: the stream's hello with at
   * (docs/protocol.md, Replay in the stream) pauses the live patches on
   * the server and answers the newest moment asked for; message() shows it.
   * @param {Date} at
   * @returns {Promise<void>} settled once that picture is shown, refused or left
   */
  goTo(at) {
    this.settle();
    this.at = at;
    this.label(at);
    this.liveBtn.hidden = false;
    this.el.dataset.mode = "past";
    const dl = document.getElementById("download");
    if (dl) dl.setAttribute("href", pictureURL(at, this.opts.params(), "/snapshot.svg"));
    /** @type {Promise<void>} */
    const shown = new Promise((resolve) => { this.settle = () => { this.settle = () => {}; resolve(); }; });
    this.opts.ask(at);
    return shown;
  }

  /**
   * A stream message while a past moment is shown: its picture, or why
   * the server refused it; live messages still on their way are dropped.
   * @param {any} msg
   */
  message(msg) {
    const at = this.at;
    if (!at || !msg) return;
    if (msg.type === "snapshot" && typeof msg.at === "string") {
      if (Date.parse(msg.at) === at.getTime()) (this.opts.show(msg), this.settle());
    } else if (msg.type === "error") {
      this.mode.textContent = "At " + formatAt(at, new Date()) + ": " + refusal(msg.error, new Date());
      this.mode.title = msg.error || "";
      this.settle();
    }
  }

  /** Returns to the live picture. */
  goLive() {
    this.settle();
    this.at = null;
    this.scrub.value = "1000";
    this.label(null);
    this.liveBtn.hidden = true;
    this.el.dataset.mode = "live";
    this.opts.live();
    void this.refresh();
  }

  /** True while a past moment is shown: live messages wait. */
  get past() {
    return this.at !== null;
  }
}
