// @ts-check
/**
 * Canvas 2D drawing of the laid-out tree. Only what lies in the viewport is
 * drawn (the grid finds it), and how much of each node is drawn depends on
 * the zoom (lod.js), so that 10k nodes pan smoothly in software rendering.
 * Colours come from CSS custom properties, so the canvas follows the light
 * and dark themes of the stylesheet.
 */
import { visibleRect, intersects } from "./camera.js";
import { detail, showLabels, showEdges, truncate, labelFont } from "./lod.js";
import { elbow, orientation, edgeBounds, markerOf, drawMarker, foldedBoxes, TYPES } from "./shapes.js";
import { BORN_MS, GHOST_MS } from "./store.js";
import { highlightRanges } from "./filterhl.js";

/** @typedef {import("./store.js").WireNode} WireNode */
/** @typedef {{x: number, y: number, w: number, h: number}} WireNodeRect */

/**
 * @typedef {object} Theme
 * @property {string} bg
 * @property {string} fg
 * @property {string} muted
 * @property {string} line
 * @property {string} nodeBg
 * @property {string} accent
 * @property {string} born
 * @property {string} gone
 * @property {string} mark
 * @property {Record<string, string>} types
 */

/**
 * Read the theme from the stylesheet's custom properties.
 * @param {Element} el
 * @returns {Theme}
 */
export function readTheme(el) {
  const cs = getComputedStyle(el);
  const v = (/** @type {string} */ name, /** @type {string} */ dflt) => cs.getPropertyValue(name).trim() || dflt;
  /** @type {Record<string, string>} */
  const types = {};
  for (const t of TYPES) types[t] = v(`--t-${t}`, "#888");
  return {
    bg: v("--bg", "#fff"),
    fg: v("--fg", "#000"),
    muted: v("--muted", "#666"),
    line: v("--edge", "#999"),
    nodeBg: v("--node-bg", "#fff"),
    accent: v("--accent", "#0969da"),
    born: v("--born", "#2da44e"),
    gone: v("--gone", "#cf222e"),
    mark: v("--mark", "#fff3a0"),
    types,
  };
}

/**
 * @typedef {object} Scene what one frame shows
 * @property {import("./store.js").Store} store
 * @property {import("./spatial.js").Grid<WireNode>} grid
 * @property {import("./camera.js").Camera} camera
 * @property {string} selected
 * @property {string} hover
 * @property {string} focus
 * @property {import("./filterhl.js").Term[]} terms
 * @property {(n: WireNode) => boolean} isMatch
 * @property {number} now
 */

/**
 * @typedef {object} FrameStats
 * @property {number} drawn nodes drawn in the last frame
 * @property {number} edges edges drawn
 * @property {number} ms time the last frame's drawing took
 * @property {string} detail level of detail used
 * @property {boolean} labels whether labels were drawn
 */

/** Largest whole-tree bitmap kept for panning far out, in device pixels. */
const LAYER_MAX_PX = 8e6;

// The server sizes boxes for a monospace label of about 7 px per character
// with 8 px of padding (internal/layout), so labels are drawn that way.
// Far enough out, labels grow in world units so that they stay readable on
// screen (lod.labelFont), cut shorter to fit.
/** @param {number} size world font size */
const fontCSS = (size) => `${size}px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace`;
/** Padding left and right of a label inside its box, as the layout reserves. */
const PAD = 8;

export class Renderer {
  /**
   * @param {HTMLCanvasElement} canvas
   */
  constructor(canvas) {
    this.canvas = canvas;
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("canvas 2D context unavailable");
    this.ctx = ctx;
    this.dpr = 1;
    this.w = 0;
    this.h = 0;
    this.theme = readTheme(canvas);
    /** @type {Map<string, {key: string, text: string, marks: [number, number][]}>} */
    this.labels = new Map();
    /** @type {FrameStats} */
    this.stats = { drawn: 0, edges: 0, ms: 0, detail: "full", labels: false };
    /** the whole tree far out, drawn once per zoom level (see draw) */
    this.layer = document.createElement("canvas");
    this.layerKey = "";
    this.layerEdges = 0;
    /** @type {import("./shapes.js").Orient} */
    this.orient = "td";
    this.orientVersion = -1;
    /** world font size of labels in this frame, and its CSS fonts */
    this.font = 0;
    this.fontCSS = "";
    this.boldCSS = "";
  }

  /** Match the backing store to the element's size and the pixel ratio. */
  resize() {
    const r = this.canvas.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.w = Math.max(1, r.width);
    this.h = Math.max(1, r.height);
    const bw = Math.round(this.w * this.dpr), bh = Math.round(this.h * this.dpr);
    if (this.canvas.width !== bw || this.canvas.height !== bh) {
      this.canvas.width = bw;
      this.canvas.height = bh;
    }
  }

  /** Re-read colours after the colour scheme changed. */
  retheme() {
    this.theme = readTheme(this.canvas);
  }

  /**
   * Draw one frame.
   * @param {Scene} s
   * @returns {FrameStats}
   */
  draw(s) {
    const t0 = performance.now();
    const { ctx, theme } = this;
    const cam = s.camera;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = theme.bg;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const k = this.dpr * cam.scale;
    ctx.setTransform(k, 0, 0, k, this.dpr * cam.x, this.dpr * cam.y);

    const view = visibleRect(cam, this.w, this.h);
    const nodes = s.store.nodes;
    if (this.orientVersion !== s.store.version) {
      this.orient = orientation(nodes.values(), (id) => nodes.get(id));
      this.orientVersion = s.store.version;
    }
    const th = typicalHeight(s.store);
    const lvl = detail(cam.scale, th);
    const labels = lvl === "full" && showLabels(cam.scale, th);
    const font = labelFont(cam.scale);
    if (font !== this.font) {
      this.font = font;
      this.fontCSS = fontCSS(font);
      this.boldCSS = `bold ${this.fontCSS}`;
    }
    const px = 1 / cam.scale; // one CSS pixel in world units

    let edges = 0;
    /** @type {WireNode[]} */
    let visible;
    const b = s.store.bounds;
    const lw = Math.ceil(b.w * k) + 4, lh = Math.ceil(b.h * k) + 4;
    if (lvl !== "full" && lw * lh <= LAYER_MAX_PX) {
      // Far out the whole tree fits in a bitmap of about the viewport's size:
      // draw it once per zoom level and data version, and panning only
      // copies it, which software rasterisation does much faster than 10k
      // rectangles.
      const key = `${s.store.version}|${k}|${theme.bg}|${theme.types.net}|${JSON.stringify(s.terms)}`;
      if (key !== this.layerKey) {
        this.layerKey = key;
        this.layer.width = lw;
        this.layer.height = lh;
        const lc = /** @type {CanvasRenderingContext2D} */ (this.layer.getContext("2d"));
        lc.setTransform(k, 0, 0, k, 2 - b.x * k, 2 - b.y * k);
        this.layerEdges = this.drawEdges(lc, nodes, cam.scale, null);
        this.drawFlat(lc, s.grid.items, s, lvl === "dot" ? px * 1.5 : 0);
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(this.layer, Math.round(this.dpr * cam.x + b.x * k - 2), Math.round(this.dpr * cam.y + b.y * k - 2));
      ctx.setTransform(k, 0, 0, k, this.dpr * cam.x, this.dpr * cam.y);
      visible = s.grid.query(view.x, view.y, view.w, view.h);
      edges = this.layerEdges;
    } else {
      edges = this.drawEdges(ctx, nodes, cam.scale, view);
      visible = s.grid.query(view.x, view.y, view.w, view.h);
      if (lvl !== "full") {
        this.drawFlat(ctx, visible, s, lvl === "dot" ? px * 1.5 : 0);
      } else {
        for (const n of visible) this.drawFull(n, s, px, labels);
      }
    }

    // Marks on top: new nodes glow, vanished ones fade out.
    for (const g of s.store.ghosts) {
      // A dashed outline that fades: the layout may already have moved
      // other boxes into the place, so no fill covers them.
      const a = 1 - (s.now - g.t) / GHOST_MS;
      if (a <= 0 || !intersects(g.node, view)) continue;
      ctx.globalAlpha = 0.8 * a;
      ctx.setLineDash([4 * px, 3 * px]);
      ctx.strokeStyle = theme.gone;
      ctx.lineWidth = Math.max(1.5 * px, 1);
      ctx.strokeRect(g.node.x, g.node.y, g.node.w, g.node.h);
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
    }
    for (const [id, t] of s.store.born) {
      const n = nodes.get(id);
      if (!n || !intersects(n, view)) continue;
      const a = Math.max(0, 1 - (s.now - t) / BORN_MS);
      const pad = Math.max(3 * px, 2);
      ctx.globalAlpha = 0.35 + 0.65 * a;
      ctx.strokeStyle = theme.born;
      ctx.lineWidth = Math.max(3 * px, 1.5);
      ctx.strokeRect(n.x - pad, n.y - pad, n.w + 2 * pad, n.h + 2 * pad);
      ctx.globalAlpha = 1;
    }
    for (const [id, color, dash] of /** @type {[string, string, boolean][]} */ ([[s.hover, theme.muted, false], [s.focus, theme.accent, true], [s.selected, theme.accent, false]])) {
      const n = id ? nodes.get(id) : undefined;
      if (!n) continue;
      const pad = Math.max(2 * px, 1);
      ctx.strokeStyle = color;
      ctx.lineWidth = (id === s.selected ? 2.5 : 1.5) * px;
      if (dash) ctx.setLineDash([5 * px, 3 * px]);
      ctx.beginPath();
      ctx.roundRect(n.x - pad, n.y - pad, n.w + 2 * pad, n.h + 2 * pad, 6);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    this.stats = { drawn: visible.length, edges, ms: performance.now() - t0, detail: lvl, labels };
    return this.stats;
  }

  /**
   * Elbow lines from parents to children, one path. Checking every edge's
   * bounds is a cheap loop; the drawing is what culling saves.
   * @param {CanvasRenderingContext2D} ctx
   * @param {Map<string, WireNode>} nodes
   * @param {number} scale
   * @param {import("./camera.js").Rect | null} view null draws all
   * @returns {number} edges drawn
   */
  drawEdges(ctx, nodes, scale, view) {
    if (!showEdges(scale)) return 0;
    let edges = 0;
    ctx.beginPath();
    for (const n of nodes.values()) {
      if (!n.parent) continue;
      const p = nodes.get(n.parent);
      if (!p || (view && !intersects(edgeBounds(p, n), view))) continue;
      const pts = elbow(p, n, this.orient);
      ctx.moveTo(pts[0], pts[1]);
      for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
      edges++;
    }
    ctx.strokeStyle = this.theme.line;
    ctx.lineWidth = Math.max(1 / scale, 1.25);
    ctx.stroke();
    return edges;
  }

  /**
   * Far out: flat rectangles in the type's colour, batched per colour.
   * @param {CanvasRenderingContext2D} ctx
   * @param {WireNode[]} visible
   * @param {Scene} s
   * @param {number} minSize
   */
  drawFlat(ctx, visible, s, minSize) {
    const { theme } = this;
    /** @type {Map<string, WireNode[]>} */
    const byType = new Map();
    for (const n of visible) {
      let b = byType.get(n.type);
      if (!b) byType.set(n.type, (b = []));
      b.push(n);
    }
    for (const [type, list] of byType) {
      // Containers and pods (no type) in the text colour.
      ctx.fillStyle = theme.types[type] || (type ? theme.muted : theme.fg);
      ctx.beginPath();
      for (const n of list) {
        ctx.rect(n.x, n.y, Math.max(n.w, minSize), Math.max(n.h, minSize));
      }
      ctx.fill();
    }
    if (s.terms.length) {
      // Context nodes (ancestors kept only for a match below) are veiled.
      ctx.fillStyle = theme.bg;
      ctx.globalAlpha = 0.55;
      ctx.beginPath();
      for (const n of visible) if (!s.isMatch(n)) ctx.rect(n.x, n.y, Math.max(n.w, minSize), Math.max(n.h, minSize));
      ctx.fill();
      ctx.globalAlpha = 1;
    }
  }

  /**
   * Close up: the node's shape, marker and label.
   * @param {WireNode} n
   * @param {Scene} s
   * @param {number} px
   * @param {boolean} labels
   */
  drawFull(n, s, px, labels) {
    const { ctx, theme } = this;
    const color = theme.types[n.type] || theme.muted;
    const dim = s.terms.length > 0 && !s.isMatch(n);
    if (dim) ctx.globalAlpha = 0.4;
    const r = Math.min(6, n.h / 4);
    // A group of folded containers (pods) is drawn as they are, stacked.
    const shape = foldedBoxes(n) || n.kind;
    const box = shape === "container" || shape === "pod";
    if (n.kind === "group") {
      // A stack of cards: two offset outlines behind the box.
      ctx.fillStyle = theme.nodeBg;
      ctx.strokeStyle = box ? theme.fg : color;
      ctx.lineWidth = Math.max(px, 1);
      for (const off of [6, 3]) {
        ctx.beginPath();
        ctx.roundRect(n.x + off, n.y - off, n.w, n.h, shape === "container" ? n.h / 2 : r);
        ctx.fill();
        ctx.stroke();
      }
    }
    ctx.beginPath();
    if (n.kind === "dir") {
      // A folder: a tab on the top left.
      const tab = Math.min(n.w * 0.35, 44), th = Math.min(5, n.h / 5);
      ctx.moveTo(n.x, n.y + r);
      ctx.arcTo(n.x, n.y - th, n.x + r, n.y - th, r);
      ctx.lineTo(n.x + tab - th, n.y - th);
      ctx.lineTo(n.x + tab, n.y);
      ctx.arcTo(n.x + n.w, n.y, n.x + n.w, n.y + n.h, r);
      ctx.arcTo(n.x + n.w, n.y + n.h, n.x, n.y + n.h, r);
      ctx.arcTo(n.x, n.y + n.h, n.x, n.y, r);
      ctx.closePath();
    } else if (shape === "container") {
      // A container is a pill: no namespace box has round ends.
      ctx.roundRect(n.x, n.y, n.w, n.h, n.h / 2);
    } else {
      ctx.roundRect(n.x, n.y, n.w, n.h, n.kind === "group" && !box ? r : 3);
    }
    ctx.fillStyle = theme.nodeBg;
    ctx.fill();
    if (box) {
      // Containers and pods have no namespace type: drawn in the text
      // colour, heavy, and a pod with a second outline inside.
      ctx.globalAlpha = (dim ? 0.4 : 1) * 0.08;
      ctx.fillStyle = theme.fg;
      ctx.fill();
      ctx.globalAlpha = dim ? 0.4 : 1;
      ctx.strokeStyle = theme.fg;
      ctx.lineWidth = Math.max(px, 2);
      ctx.stroke();
      if (shape === "pod") {
        ctx.beginPath();
        ctx.roundRect(n.x + 3, n.y + 3, Math.max(n.w - 6, 0), Math.max(n.h - 6, 0), 2);
        ctx.lineWidth = Math.max(px, 1);
        ctx.stroke();
      }
    } else {
      // A tint of the type's colour, strong for directories.
      ctx.globalAlpha = (dim ? 0.4 : 1) * (n.kind === "dir" ? 0.28 : 0.14);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = dim ? 0.4 : 1;
      ctx.strokeStyle = color;
      ctx.lineWidth = Math.max(px, n.kind === "dir" ? 2 : 1.25);
      ctx.stroke();

      // The type's marker sits on the box's left edge, half outside, so it
      // takes none of the label's room.
      const mr = Math.min(n.h * 0.22, 5.5);
      const mx = n.x, my = n.y + n.h / 2;
      ctx.fillStyle = theme.nodeBg;
      ctx.beginPath();
      ctx.arc(mx, my, mr + 1.5, 0, 2 * Math.PI);
      ctx.fill();
      drawMarker(ctx, markerOf(n.type), mx, my, mr, color);
    }

    if (labels) {
      const maxW = n.w - 2 * PAD + 4;
      ctx.font = n.kind === "file" ? this.fontCSS : this.boldCSS;
      const lab = this.label(n, maxW, s.terms);
      // Names in pills and pods are centred, clear of the round ends.
      const left = box ? n.x + Math.max(PAD, (n.w - ctx.measureText(lab.text).width) / 2) : n.x + PAD;
      const ty = n.y + n.h / 2;
      if (lab.marks.length) {
        ctx.fillStyle = theme.mark;
        for (const [a, b] of lab.marks) {
          const x0 = ctx.measureText(lab.text.slice(0, a)).width;
          const x1 = ctx.measureText(lab.text.slice(0, b)).width;
          ctx.fillRect(left + x0, ty - this.font * 0.65, x1 - x0, this.font * 1.3);
        }
      }
      ctx.fillStyle = theme.fg;
      ctx.textBaseline = "middle";
      ctx.fillText(lab.text, left, ty);
    }
    if (dim) ctx.globalAlpha = 1;
  }

  /**
   * The label cut to its box, cached per node and font size: at a fixed
   * world font size the cut does not depend on the zoom.
   * @param {WireNode} n
   * @param {number} maxW
   * @param {import("./filterhl.js").Term[]} terms
   */
  label(n, maxW, terms) {
    const key = `${n.label}\u0000${maxW}\u0000${n.kind}\u0000${this.font}\u0000${JSON.stringify(terms)}`;
    const c = this.labels.get(n.id);
    if (c && c.key === key) return c;
    const text = truncate(n.label, maxW, (s) => this.ctx.measureText(s).width);
    const marks = terms.length ? highlightRanges(text, terms) : [];
    const v = { key, text, marks };
    this.labels.set(n.id, v);
    if (this.labels.size > 50000) this.labels.clear();
    return v;
  }
}

/**
 * The usual box height of a tree, cached per store version, which decides
 * the level of detail for the whole frame (one level per frame keeps the
 * picture calm).
 * @param {import("./store.js").Store} store
 * @returns {number}
 */
function typicalHeight(store) {
  const c = heightCache.get(store);
  if (c && c.v === store.version) return c.h;
  const hs = [];
  let i = 0;
  for (const n of store.nodes.values()) {
    hs.push(n.h);
    if (++i >= 200) break;
  }
  hs.sort((a, b) => a - b);
  const h = hs.length ? hs[hs.length >> 1] : 28;
  heightCache.set(store, { v: store.version, h });
  return h;
}

/** @type {WeakMap<object, {v: number, h: number}>} */
const heightCache = new WeakMap();

/**
 * Draw the overview: every node as a dot, cached as an image until the tree
 * changes, and the viewport as a rectangle on top.
 */
export class Minimap {
  /**
   * @param {HTMLCanvasElement} canvas
   */
  constructor(canvas) {
    this.canvas = canvas;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("canvas 2D context unavailable");
    this.ctx = ctx;
    /** @type {HTMLCanvasElement} */
    this.cache = document.createElement("canvas");
    this.cacheKey = "";
    /** world → minimap transform */
    this.t = { scale: 1, x: 0, y: 0 };
  }

  /**
   * @param {import("./store.js").Store} store
   * @param {Theme} theme
   * @param {import("./camera.js").Camera} cam
   * @param {number} vw
   * @param {number} vh
   */
  draw(store, theme, cam, vw, vh) {
    const dpr = window.devicePixelRatio || 1;
    const r = this.canvas.getBoundingClientRect();
    const W = Math.max(1, Math.round(r.width * dpr)), H = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width !== W || this.canvas.height !== H) {
      this.canvas.width = W;
      this.canvas.height = H;
    }
    const b = store.bounds;
    const pad = 6 * dpr;
    const scale = Math.min((W - 2 * pad) / Math.max(1, b.w), (H - 2 * pad) / Math.max(1, b.h));
    this.t = {
      scale: scale / dpr,
      x: (pad + ((W - 2 * pad) - b.w * scale) / 2 - b.x * scale) / dpr,
      y: (pad + ((H - 2 * pad) - b.h * scale) / 2 - b.y * scale) / dpr,
    };
    const key = `${store.version}:${W}x${H}:${theme.bg}`;
    if (key !== this.cacheKey) {
      this.cacheKey = key;
      this.cache.width = W;
      this.cache.height = H;
      const c = /** @type {CanvasRenderingContext2D} */ (this.cache.getContext("2d"));
      c.fillStyle = theme.nodeBg;
      c.fillRect(0, 0, W, H);
      c.setTransform(scale, 0, 0, scale, this.t.x * dpr, this.t.y * dpr);
      const min = 1.2 / scale;
      /** @type {Map<string, import("./store.js").WireNode[]>} */
      const byType = new Map();
      for (const n of store.nodes.values()) {
        let l = byType.get(n.type);
        if (!l) byType.set(n.type, (l = []));
        l.push(n);
      }
      for (const [type, list] of byType) {
        c.fillStyle = theme.types[type] || theme.muted;
        c.beginPath();
        for (const n of list) c.rect(n.x, n.y, Math.max(n.w, min), Math.max(n.h, min));
        c.fill();
      }
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.cache, 0, 0);
    // The viewport, in minimap pixels.
    const vx = (-cam.x / cam.scale) * this.t.scale + this.t.x;
    const vy = (-cam.y / cam.scale) * this.t.scale + this.t.y;
    const ww = (vw / cam.scale) * this.t.scale, hh = (vh / cam.scale) * this.t.scale;
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = 1.5 * dpr;
    ctx.fillStyle = theme.accent;
    ctx.globalAlpha = 0.12;
    ctx.fillRect(vx * dpr, vy * dpr, ww * dpr, hh * dpr);
    ctx.globalAlpha = 1;
    ctx.strokeRect(vx * dpr, vy * dpr, ww * dpr, hh * dpr);
    // What appeared or ended lately, as on the tree: churn out of view
    // shows on the map too.
    /** @param {WireNodeRect} n @param {string} color */
    const mark = (n, color) => {
      ctx.beginPath();
      ctx.arc(((n.x + n.w / 2) * this.t.scale + this.t.x) * dpr, ((n.y + n.h / 2) * this.t.scale + this.t.y) * dpr, 3 * dpr, 0, 2 * Math.PI);
      ctx.fillStyle = color;
      ctx.fill();
    };
    for (const id of store.born.keys()) {
      const n = store.nodes.get(id);
      if (n) mark(n, theme.born);
    }
    for (const g of store.ghosts) mark(g.node, theme.gone);
  }

  /**
   * The world point under a point of the minimap (CSS pixels).
   * @param {number} mx
   * @param {number} my
   * @returns {{x: number, y: number}}
   */
  toWorld(mx, my) {
    return { x: (mx - this.t.x) / this.t.scale, y: (my - this.t.y) / this.t.scale };
  }
}
