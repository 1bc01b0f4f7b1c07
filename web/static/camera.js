// @ts-check
/**
 * The view transform between the server's layout coordinates ("world") and
 * CSS pixels on the canvas ("screen"): screen = world * scale + offset.
 * Pure math, so panning, zooming around the cursor and fitting are tested
 * without a browser.
 */

/**
 * @typedef {object} Camera
 * @property {number} scale CSS pixels per world unit
 * @property {number} x screen x of world x=0
 * @property {number} y screen y of world y=0
 */

/** @typedef {{x: number, y: number, w: number, h: number}} Rect */

export const MIN_SCALE = 0.0001;
export const MAX_SCALE = 8;

/**
 * @param {number} s
 * @returns {number}
 */
export function clampScale(s) {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/**
 * @param {Camera} c
 * @param {number} sx
 * @param {number} sy
 * @returns {{x: number, y: number}}
 */
export function toWorld(c, sx, sy) {
  return { x: (sx - c.x) / c.scale, y: (sy - c.y) / c.scale };
}

/**
 * @param {Camera} c
 * @param {number} wx
 * @param {number} wy
 * @returns {{x: number, y: number}}
 */
export function toScreen(c, wx, wy) {
  return { x: wx * c.scale + c.x, y: wy * c.scale + c.y };
}

/**
 * @param {Camera} c
 * @param {number} dx screen pixels
 * @param {number} dy
 * @returns {Camera}
 */
export function pan(c, dx, dy) {
  return { scale: c.scale, x: c.x + dx, y: c.y + dy };
}

/**
 * Zoom by a factor keeping the world point under (sx, sy) fixed, as a map
 * does under the mouse wheel.
 * @param {Camera} c
 * @param {number} factor > 1 zooms in
 * @param {number} sx
 * @param {number} sy
 * @returns {Camera}
 */
export function zoomAt(c, factor, sx, sy) {
  const scale = clampScale(c.scale * factor);
  const k = scale / c.scale;
  return { scale, x: sx - (sx - c.x) * k, y: sy - (sy - c.y) * k };
}

/**
 * The camera that shows the whole rectangle centred in a viewport with a
 * margin, never magnifying beyond 1:1 so a small tree keeps readable boxes.
 * @param {Rect} world
 * @param {number} vw viewport width in CSS pixels
 * @param {number} vh
 * @param {number} [margin]
 * @returns {Camera}
 */
export function fit(world, vw, vh, margin = 24) {
  const aw = Math.max(1, vw - 2 * margin);
  const ah = Math.max(1, vh - 2 * margin);
  const scale = world.w > 0 && world.h > 0 ? clampScale(Math.min(1, aw / world.w, ah / world.h)) : 1;
  return {
    scale,
    x: (vw - world.w * scale) / 2 - world.x * scale,
    y: (vh - world.h * scale) / 2 - world.y * scale,
  };
}

/**
 * The world rectangle visible in a viewport.
 * @param {Camera} c
 * @param {number} vw
 * @param {number} vh
 * @returns {Rect}
 */
export function visibleRect(c, vw, vh) {
  const a = toWorld(c, 0, 0);
  return { x: a.x, y: a.y, w: vw / c.scale, h: vh / c.scale };
}

/**
 * Move the camera the least so that a world rectangle is in view, used when
 * the keyboard focus moves to a node off screen.
 * @param {Camera} c
 * @param {Rect} r
 * @param {number} vw
 * @param {number} vh
 * @param {number} [margin]
 * @returns {Camera}
 */
export function reveal(c, r, vw, vh, margin = 40) {
  const a = toScreen(c, r.x, r.y);
  const w = r.w * c.scale, h = r.h * c.scale;
  let dx = 0, dy = 0;
  if (a.x < margin) dx = margin - a.x;
  else if (a.x + w > vw - margin) dx = Math.max(margin - a.x, vw - margin - (a.x + w));
  if (a.y < margin) dy = margin - a.y;
  else if (a.y + h > vh - margin) dy = Math.max(margin - a.y, vh - margin - (a.y + h));
  return pan(c, dx, dy);
}

/**
 * Do two rectangles overlap?
 * @param {Rect} a
 * @param {Rect} b
 * @returns {boolean}
 */
export function intersects(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/**
 * Encode a camera for the URL hash-free state, rounded so links stay short.
 * @param {Camera} c
 * @returns {string}
 */
export function formatCamera(c) {
  return `${Math.round(c.x)},${Math.round(c.y)},${+c.scale.toPrecision(4)}`;
}

/**
 * @param {string} s
 * @returns {Camera | null} null when the text is not a camera
 */
export function parseCamera(s) {
  const p = s.split(",").map(Number);
  if (p.length !== 3 || p.some((v) => !Number.isFinite(v)) || p[2] <= 0) return null;
  return { x: p[0], y: p[1], scale: clampScale(p[2]) };
}
