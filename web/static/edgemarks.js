// @ts-check
/**
 * Edge markers: what appeared or ended out of view is pointed at by an
 * arrow on the edge of the canvas, in its direction, so that churn off
 * screen is seen without moving the view (and a click on the arrow goes
 * there). Nearby changes share one arrow with a count. The geometry is pure
 * and tested; drawEdgeMarks only paints.
 */
import { toScreen } from "./camera.js";

/** @typedef {import("./camera.js").Camera} Camera */
/** @typedef {import("./camera.js").Rect} Rect */
/** @typedef {"born" | "gone"} MarkKind */

/**
 * @typedef {object} EdgeMark one arrow
 * @property {MarkKind} kind appeared (born) or ended (gone)
 * @property {number} x screen position of the arrow's tip, CSS pixels
 * @property {number} y
 * @property {number} angle direction it points in, radians (0 is right, y down)
 * @property {number} count changes it stands for
 * @property {string} id the nearest of them
 * @property {{x: number, y: number}} target world centre of that node
 */

/** Distance of the arrows from the canvas edge, CSS pixels. */
export const EDGE_INSET = 16;
/** Changes whose arrows fall within this many pixels along an edge share one. */
export const EDGE_BIN = 56;
/** A click this close to an arrow hits it. */
export const HIT_PX = 16;

/**
 * The arrows for changes out of view.
 * @param {Camera} cam
 * @param {number} vw viewport width, CSS pixels
 * @param {number} vh
 * @param {Iterable<{id: string, kind: MarkKind, rect: Rect}>} items
 * @returns {EdgeMark[]}
 */
export function edgeMarks(cam, vw, vh, items) {
  const m = EDGE_INSET;
  if (vw <= 2 * m || vh <= 2 * m) return [];
  const cx = vw / 2, cy = vh / 2;
  /** @type {Map<string, EdgeMark & {sx: number, sy: number, d: number}>} */
  const bins = new Map();
  for (const it of items) {
    const r = it.rect;
    const a = toScreen(cam, r.x, r.y);
    const w = r.w * cam.scale, h = r.h * cam.scale;
    if (a.x < vw && a.x + w > 0 && a.y < vh && a.y + h > 0) continue; // in view
    const px = a.x + w / 2, py = a.y + h / 2;
    const dx = px - cx, dy = py - cy;
    if (!Number.isFinite(dx) || !Number.isFinite(dy) || (dx === 0 && dy === 0)) continue;
    // Where the ray from the centre to the node leaves the inset viewport.
    const tx = dx > 0 ? (vw - m - cx) / dx : dx < 0 ? (m - cx) / dx : Infinity;
    const ty = dy > 0 ? (vh - m - cy) / dy : dy < 0 ? (m - cy) / dy : Infinity;
    const t = Math.min(tx, ty);
    const x = cx + t * dx, y = cy + t * dy;
    const side = tx <= ty ? (dx > 0 ? "r" : "l") : dy > 0 ? "b" : "t";
    const along = side === "l" || side === "r" ? y : x;
    const key = `${it.kind}|${side}|${Math.floor(along / EDGE_BIN)}`;
    const d = Math.hypot(dx, dy);
    const b = bins.get(key);
    const target = { x: r.x + r.w / 2, y: r.y + r.h / 2 };
    if (!b) {
      bins.set(key, { kind: it.kind, x, y, angle: Math.atan2(dy, dx), count: 1, id: it.id, target, sx: x, sy: y, d });
      continue;
    }
    b.count++;
    b.sx += x;
    b.sy += y;
    if (d < b.d) Object.assign(b, { d, id: it.id, target, angle: Math.atan2(dy, dx) });
  }
  /** @type {EdgeMark[]} */
  const out = [];
  for (const b of bins.values()) {
    out.push({ kind: b.kind, x: b.sx / b.count, y: b.sy / b.count, angle: b.angle, count: b.count, id: b.id, target: b.target });
  }
  // Stable order: a test or a screen reader sees the same list each frame.
  out.sort((p, q) => p.kind.localeCompare(q.kind) || p.x - q.x || p.y - q.y);
  return out;
}

/**
 * The arrow under a point, if any.
 * @param {EdgeMark[]} marks
 * @param {number} sx CSS pixels
 * @param {number} sy
 * @returns {EdgeMark | null}
 */
export function markAt(marks, sx, sy) {
  let best = null, bd = HIT_PX;
  for (const k of marks) {
    const d = Math.hypot(k.x - sx, k.y - sy);
    if (d <= bd) {
      best = k;
      bd = d;
    }
  }
  return best;
}

/**
 * The changes a store holds as mark items: nodes born lately and ghosts of
 * nodes that ended.
 * @param {import("./store.js").Store} store
 * @returns {{id: string, kind: MarkKind, rect: Rect}[]}
 */
export function storeChanges(store) {
  /** @type {{id: string, kind: MarkKind, rect: Rect}[]} */
  const items = [];
  for (const id of store.born.keys()) {
    const n = store.nodes.get(id);
    if (n) items.push({ id, kind: "born", rect: n });
  }
  for (const g of store.ghosts) items.push({ id: g.node.id, kind: "gone", rect: g.node });
  return items;
}

/**
 * Paint the arrows over the frame.
 * @param {CanvasRenderingContext2D} ctx
 * @param {EdgeMark[]} marks
 * @param {number} dpr
 * @param {{born: string, gone: string, bg: string}} theme
 */
export function drawEdgeMarks(ctx, marks, dpr, theme) {
  if (!marks.length) return;
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = "bold 11px system-ui, sans-serif";
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  for (const k of marks) {
    const color = k.kind === "born" ? theme.born : theme.gone;
    ctx.save();
    ctx.translate(k.x, k.y);
    ctx.rotate(k.angle);
    ctx.beginPath();
    ctx.moveTo(10, 0);
    ctx.lineTo(-6, -8);
    ctx.lineTo(-3, 0);
    ctx.lineTo(-6, 8);
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.strokeStyle = theme.bg;
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.fill();
    ctx.restore();
    if (k.count > 1) {
      // The count sits inward of the arrow, away from the edge.
      const tx = k.x - Math.cos(k.angle) * 18, ty = k.y - Math.sin(k.angle) * 18;
      const text = k.count > 999 ? "999+" : String(k.count);
      ctx.lineWidth = 3;
      ctx.strokeStyle = theme.bg;
      ctx.strokeText(text, tx, ty);
      ctx.fillStyle = color;
      ctx.fillText(text, tx, ty);
    }
  }
  ctx.restore();
}
