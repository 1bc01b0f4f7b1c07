// @ts-check
/**
 * A uniform grid over world coordinates, so that culling to the viewport and
 * hit testing under the mouse look at the few nodes near a point instead of
 * scanning all 10k on every frame and every mousemove.
 */

/** @typedef {{id: string, x: number, y: number, w: number, h: number}} Box */

/**
 * @template {Box} T
 */
export class Grid {
  /**
   * @param {Iterable<T>} items
   * @param {number} [cell] cell size in world units; chosen from the items when absent
   */
  constructor(items, cell) {
    const list = [...items];
    /** @type {T[]} */
    this.items = list;
    if (!cell) {
      // About the size of a typical box, so a box touches few cells and a
      // cell holds few boxes.
      let sw = 0, sh = 0;
      for (const b of list) { sw += b.w; sh += b.h; }
      const n = Math.max(1, list.length);
      cell = Math.max(32, 2 * Math.max(sw / n, sh / n));
    }
    this.cell = cell;
    /** @type {Map<number, T[]>} */
    this.cells = new Map();
    for (const b of list) this._insert(b);
  }

  /**
   * @param {number} cx
   * @param {number} cy
   */
  static key(cx, cy) {
    // Cells fit in ±2^20 along each axis, far beyond any layout.
    return (cx + 1048576) * 2097152 + (cy + 1048576);
  }

  /** @param {T} b */
  _insert(b) {
    const c = this.cell;
    const x0 = Math.floor(b.x / c), x1 = Math.floor((b.x + b.w) / c);
    const y0 = Math.floor(b.y / c), y1 = Math.floor((b.y + b.h) / c);
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        const k = Grid.key(cx, cy);
        let bucket = this.cells.get(k);
        if (!bucket) this.cells.set(k, (bucket = []));
        bucket.push(b);
      }
    }
  }

  /**
   * Items overlapping a rectangle, each once. When the rectangle spans more
   * cells than there are items, a plain scan is cheaper and is used.
   * @param {number} x
   * @param {number} y
   * @param {number} w
   * @param {number} h
   * @returns {T[]}
   */
  query(x, y, w, h) {
    const c = this.cell;
    const x0 = Math.floor(x / c), x1 = Math.floor((x + w) / c);
    const y0 = Math.floor(y / c), y1 = Math.floor((y + h) / c);
    /** @type {T[]} */
    const out = [];
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > this.cells.size) {
      for (const b of this.items) if (b.x < x + w && x < b.x + b.w && b.y < y + h && y < b.y + b.h) out.push(b);
      return out;
    }
    const seen = new Set();
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        const bucket = this.cells.get(Grid.key(cx, cy));
        if (!bucket) continue;
        for (const b of bucket) {
          if (seen.has(b)) continue;
          if (b.x < x + w && x < b.x + b.w && b.y < y + h && y < b.y + b.h) {
            seen.add(b);
            out.push(b);
          }
        }
      }
    }
    return out;
  }

  /**
   * The topmost item containing a point (the last one drawn), with a
   * tolerance in world units so that tiny boxes can still be hit.
   * @param {number} px
   * @param {number} py
   * @param {number} [slop]
   * @returns {T | null}
   */
  hit(px, py, slop = 0) {
    const bucket = this.cells.get(Grid.key(Math.floor(px / this.cell), Math.floor(py / this.cell)));
    /** @type {T | null} */
    let best = null;
    let bestD = Infinity;
    const cands = slop > 0 ? this.query(px - slop, py - slop, 2 * slop, 2 * slop) : bucket || [];
    for (const b of cands) {
      const dx = Math.max(b.x - px, 0, px - (b.x + b.w));
      const dy = Math.max(b.y - py, 0, py - (b.y + b.h));
      const d = Math.hypot(dx, dy);
      if (d <= slop && d <= bestD) {
        best = b;
        bestD = d;
      }
    }
    return best;
  }
}
