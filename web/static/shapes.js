// @ts-check
/**
 * Geometry of what is drawn besides the boxes: the elbow line from a parent
 * to a child, whichever way the server's layout grows, and the marker shape
 * of each namespace type (so types differ by shape as well as colour, for
 * readers who do not see the colours).
 */

/** @typedef {{x: number, y: number, w: number, h: number}} Rect */

/** @typedef {"td" | "lr"} Orient */

/** The server layout's gap between a parent and its children, and between wrapped rows (layout.LayerGap). */
const LAYER_GAP = 48;
/** Where the trunk to wrapped rows leaves a parent: this far right of its left edge (layout.TrunkInset). */
const TRUNK_INSET = 12;

/**
 * Which way a laid-out tree grows, by a vote of its parent–child pairs: a
 * child wholly below its parent votes top-down, one wholly right of it votes
 * left-right. The wire does not carry the layout's orientation, and the
 * elbows must know it: in a top-down tree most children are also to the
 * right of their parent.
 * @param {Iterable<Rect & {parent?: string}>} nodes
 * @param {(id: string) => Rect | undefined} get
 * @returns {Orient}
 */
export function orientation(nodes, get) {
  let td = 0, lr = 0;
  for (const c of nodes) {
    const p = c.parent ? get(c.parent) : undefined;
    if (!p) continue;
    if (c.y >= p.y + p.h) td++;
    if (c.x >= p.x + p.w && c.y < p.y + p.h) lr++;
  }
  return lr > td ? "lr" : "td";
}

/**
 * The polyline joining a parent box to a child box with right angles.
 * Top-down trees join bottom centre to top centre through a bus half a
 * layer gap above the child; a child in a wrapped row hangs off a trunk at
 * the parent's left. Left-right trees join right edge to left edge; in them a child below
 * that starts inside the parent's width (an indented list) drops from near
 * the parent's left and turns into the child's left edge.
 * @param {Rect} p
 * @param {Rect} c
 * @param {Orient} [orient]
 * @returns {number[]} flat list x0,y0,x1,y1,…
 */
export function elbow(p, c, orient = "td") {
  if (orient === "td" && c.y >= p.y + p.h) {
    const y0 = p.y + p.h, x1 = c.x + c.w / 2, y1 = c.y;
    // A child in a wrapped row (further than one gap below) hangs off the
    // trunk at the parent's left, which runs clear of the rows above.
    const x0 = y1 - y0 > LAYER_GAP + 0.5 ? p.x + Math.min(p.w / 2, TRUNK_INSET) : p.x + p.w / 2;
    const my = y1 - Math.min(LAYER_GAP / 2, (y1 - y0) / 2);
    return [x0, y0, x0, my, x1, my, x1, y1];
  }
  if (orient === "lr" && c.x >= p.x + p.w) {
    const x0 = p.x + p.w, y0 = p.y + p.h / 2, x1 = c.x, y1 = c.y + c.h / 2;
    const mx = x1 - Math.min(LAYER_GAP / 2, (x1 - x0) / 2);
    return [x0, y0, mx, y0, mx, y1, x1, y1];
  }
  if (c.y >= p.y + p.h && c.x > p.x && c.x < p.x + p.w) {
    const x0 = p.x + Math.min(p.w / 2, Math.max(4, (c.x - p.x) / 2));
    const y0 = p.y + p.h, y1 = c.y + c.h / 2;
    return [x0, y0, x0, y1, c.x, y1];
  }
  // Against the tree's direction (bad input or a layout change in
  // progress): a straight line between centres.
  return [p.x + p.w / 2, p.y + p.h / 2, c.x + c.w / 2, c.y + c.h / 2];
}

/**
 * Bounding box of an elbow, for culling edges to the viewport.
 * @param {Rect} p
 * @param {Rect} c
 * @returns {Rect}
 */
export function edgeBounds(p, c) {
  const x0 = Math.min(p.x, c.x), y0 = Math.min(p.y, c.y);
  return { x: x0, y: y0, w: Math.max(p.x + p.w, c.x + c.w) - x0, h: Math.max(p.y + p.h, c.y + c.h) - y0 };
}

/** @typedef {"circle" | "square" | "diamond" | "triangle" | "hexagon" | "star" | "ring" | "bar" | "dot"} Marker */

/** Marker shape per namespace type. */
/** @type {Readonly<Record<string, Marker>>} */
export const MARKERS = {
  user: "ring",
  pid: "diamond",
  net: "circle",
  mnt: "square",
  uts: "triangle",
  ipc: "hexagon",
  cgroup: "star",
  time: "bar",
};

/** The namespace types in the legend's order (the kernel's, as the server's model.Types). */
export const TYPES = ["user", "pid", "net", "mnt", "uts", "ipc", "cgroup", "time"];

/**
 * What a folded group holds when it folds container or pod nodes instead of
 * namespaces: "container" or "pod"; "" for every other node. Such a group
 * says so in its folds field (docs/protocol.md, Grouping). It is drawn in the shape of what it folds, in the containers'
 * colour, because it has no type to take a colour from.
 * @param {{kind?: string, folds?: string}} n
 * @returns {"container" | "pod" | ""}
 */
export function foldedBoxes(n) {
  if (n.kind !== "group") return "";
  return n.folds === "container" || n.folds === "pod" ? n.folds : "";
}

/**
 * @param {string} type
 * @returns {Marker}
 */
export function markerOf(type) {
  return MARKERS[type] || "dot";
}

/**
 * Outline of a marker centred at (cx, cy) with radius r, as polygon points;
 * circles and rings return [] and are drawn as arcs.
 * @param {Marker} m
 * @param {number} cx
 * @param {number} cy
 * @param {number} r
 * @returns {number[]}
 */
export function markerPoints(m, cx, cy, r) {
  /** @param {number} n @param {number} rot @param {number} [inner] */
  const poly = (n, rot, inner) => {
    const pts = [];
    const steps = inner ? 2 * n : n;
    for (let i = 0; i < steps; i++) {
      const a = rot + (i * 2 * Math.PI) / steps;
      const rr = inner && i % 2 ? r * inner : r;
      pts.push(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
    }
    return pts;
  };
  switch (m) {
    case "square": return [cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8, cx - r * 0.8, cy + r * 0.8];
    case "diamond": return poly(4, -Math.PI / 2);
    case "triangle": return poly(3, -Math.PI / 2);
    case "hexagon": return poly(6, 0);
    case "star": return poly(5, -Math.PI / 2, 0.45);
    case "bar": return [cx - r * 0.35, cy - r, cx + r * 0.35, cy - r, cx + r * 0.35, cy + r, cx - r * 0.35, cy + r];
    default: return [];
  }
}

/**
 * Draw a marker on a 2D context (the canvas of the tree or a legend swatch).
 * @param {CanvasRenderingContext2D} ctx
 * @param {Marker} m
 * @param {number} cx
 * @param {number} cy
 * @param {number} r
 * @param {string} color
 */
export function drawMarker(ctx, m, cx, cy, r, color) {
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.beginPath();
  if (m === "circle" || m === "dot") {
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    ctx.fill();
  } else if (m === "ring") {
    ctx.arc(cx, cy, r * 0.8, 0, 2 * Math.PI);
    ctx.lineWidth = r * 0.45;
    ctx.stroke();
  } else {
    const pts = markerPoints(m, cx, cy, r);
    ctx.moveTo(pts[0], pts[1]);
    for (let i = 2; i < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
    ctx.closePath();
    ctx.fill();
  }
}
