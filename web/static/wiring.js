// @ts-check
/**
 * The wiring overlay: the links between network namespaces that GET
 * /api/v1/wiring reports (veth pairs, macvlan/ipvlan parents), drawn over
 * the tree as dashed curves hanging from one namespace's node to the other's,
 * labelled with the interface names. On or off with a toggle that the URL
 * keeps (wiring=1). segments is pure and tested; the overlay asks the
 * server again every few seconds while it is on.
 */

/** How often the wiring is asked for while the overlay is on. */
const POLL_MS = 5000;

/**
 * @typedef {object} Endpoint
 * @property {number} ns
 * @property {number} ifindex
 * @property {string} iface
 * @property {string} kind
 * @property {string} [bridge]
 */

/**
 * @typedef {object} Edge
 * @property {string} kind
 * @property {Endpoint} a
 * @property {Endpoint} b
 */

/**
 * @typedef {object} Segment one edge where the view shows both ends
 * @property {number} x1
 * @property {number} y1
 * @property {number} x2
 * @property {number} y2
 * @property {string} kind
 * @property {string} label
 */

/** Stroke colours by kind; others use "other". */
export const COLORS = /** @type {Record<string, string>} */ ({ veth: "#e8590c", macvlan: "#9c36b5", ipvlan: "#9c36b5", other: "#1098ad" });

/**
 * Where the view draws the edges: both ends' nodes must be in it (a
 * namespace folded into a group or filtered out has none).
 * @param {Edge[]} edges
 * @param {Map<string, {x: number, y: number, w: number, h: number}>} nodes
 * @returns {{segments: Segment[], hidden: number}}
 */
export function segments(edges, nodes) {
  /** @type {Segment[]} */
  const out = [];
  let hidden = 0;
  for (const e of edges) {
    const a = nodes.get(`ns:${e.a.ns}`);
    const b = nodes.get(`ns:${e.b.ns}`);
    if (!a || !b) {
      hidden++;
      continue;
    }
    const label = `${e.a.iface}${e.a.bridge ? ` (${e.a.bridge})` : ""} ↔ ${e.b.iface}${e.b.bridge ? ` (${e.b.bridge})` : ""}`;
    out.push({ x1: a.x + a.w / 2, y1: a.y + a.h, x2: b.x + b.w / 2, y2: b.y + b.h, kind: e.kind, label });
  }
  return { segments: out, hidden };
}

/**
 * The control point of an edge's curve: below both ends (the tree grows
 * downwards, and an edge leaves each node at its bottom), so that links
 * between siblings hang under them instead of crossing their labels.
 * @param {Segment} s
 */
export function bend(s) {
  const len = Math.hypot(s.x2 - s.x1, s.y2 - s.y1);
  return { x: (s.x1 + s.x2) / 2, y: Math.max(s.y1, s.y2) + Math.min(80, 12 + len * 0.25) };
}

export class WiringOverlay {
  /**
   * @param {string} search the page's query, which says whether it is on
   * @param {() => void} changed called when there is something new to draw
   */
  constructor(search, changed) {
    this.on = new URLSearchParams(search).get("wiring") === "1";
    /** Drawn whatever the toggle says: the network view (force). */
    this.forced = false;
    /** @type {Edge[]} */
    this.edges = [];
    this.error = "";
    this.hidden = 0;
    this.timer = 0;
    this.changed = changed;
    if (this.on) this.poll();
  }

  /** Whether the edges are drawn: the toggle is on or the view forces them. */
  get active() {
    return this.on || this.forced;
  }

  /** @param {boolean} on the toggle's state, which the URL keeps */
  set(on) {
    const was = this.active;
    this.on = on;
    this.update(was);
  }

  /**
   * Draw the edges whatever the toggle says (the network view), or stop
   * forcing them. Cheap when nothing changes, so it can run every frame.
   * @param {boolean} forced
   */
  force(forced) {
    if (forced === this.forced) return;
    const was = this.active;
    this.forced = forced;
    this.update(was);
  }

  /** @param {boolean} was whether the edges were drawn before */
  update(was) {
    if (was === this.active) return;
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.active) this.poll();
    else {
      this.edges = [];
      this.changed();
    }
  }

  poll() {
    clearTimeout(this.timer);
    fetch("/api/v1/wiring", { headers: { Accept: "application/json" } })
      .then(async (r) => {
        const body = await r.json().catch(() => ({}));
        if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
        return body;
      })
      .then((w) => {
        if (!this.active) return;
        this.edges = Array.isArray(w.edges) ? w.edges : [];
        this.error = w.missing || "";
      })
      .catch((err) => {
        this.error = String(err.message || err);
      })
      .finally(() => {
        if (!this.active) return;
        this.changed();
        this.timer = window.setTimeout(() => this.poll(), POLL_MS);
      });
  }

  /**
   * The query string with the overlay's state in it.
   * @param {string} qs "" or "?…"
   */
  withParam(qs) {
    if (!this.on) return qs;
    return qs ? `${qs}&wiring=1` : "?wiring=1";
  }

  /**
   * Draw the edges over the tree.
   * @param {CanvasRenderingContext2D} ctx
   * @param {number} dpr
   * @param {{x: number, y: number, scale: number}} cam
   * @param {Map<string, {x: number, y: number, w: number, h: number}>} nodes
   * @returns {{drawn: number, hidden: number}}
   */
  draw(ctx, dpr, cam, nodes) {
    if (!this.active || !this.edges.length) return { drawn: 0, hidden: 0 };
    const { segments: segs, hidden } = segments(this.edges, nodes);
    this.hidden = hidden;
    const k = dpr * cam.scale;
    ctx.save();
    ctx.setTransform(k, 0, 0, k, dpr * cam.x, dpr * cam.y);
    ctx.lineWidth = 2 / cam.scale;
    ctx.setLineDash([6 / cam.scale, 4 / cam.scale]);
    ctx.font = `${11 / cam.scale}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    for (const s of segs) {
      const c = bend(s);
      const col = COLORS[s.kind] || COLORS.other;
      ctx.strokeStyle = col;
      ctx.beginPath();
      ctx.moveTo(s.x1, s.y1);
      ctx.quadraticCurveTo(c.x, c.y, s.x2, s.y2);
      ctx.stroke();
      if (cam.scale > 0.5) {
        ctx.fillStyle = col;
        ctx.fillText(s.label, (s.x1 + 2 * c.x + s.x2) / 4, (s.y1 + 2 * c.y + s.y2) / 4 - 3 / cam.scale);
      }
    }
    ctx.restore();
    return { drawn: segs.length, hidden };
  }
}
