// @ts-check
/**
 * Level of detail: what to draw of a node at a given zoom, so that 10k
 * nodes far out are cheap flat boxes and close up are readable, labelled
 * shapes. Pure, so the thresholds are tested and the renderer only asks.
 */

/** World font size of labels, in layout units. */
export const FONT = 11.5;
/**
 * Smallest label text on screen, in CSS pixels: labels are drawn at least
 * this big (cut shorter to fit their box) or not at all, and then the page
 * says "zoom in to read labels".
 */
export const MIN_LABEL_PX = 11;
/** World height of a box (internal/layout NodeHeight). */
export const BOX_H = 24;
/** Below this many screen pixels of box height, boxes are flat rectangles: shapes and markers would not be legible, and drawing them for thousands of boxes costs frames. */
export const SIMPLE_BELOW_PX = 10;
/** Below this many screen pixels a box is drawn as a minimum-size dot. */
export const DOT_BELOW_PX = 1.5;

/** @typedef {"dot" | "simple" | "full"} Detail */

/**
 * How much of a box of world height h to draw at a scale.
 * @param {number} scale CSS pixels per world unit
 * @param {number} h
 * @returns {Detail}
 */
export function detail(scale, h) {
  const px = scale * h;
  if (px < DOT_BELOW_PX) return "dot";
  if (px < SIMPLE_BELOW_PX) return "simple";
  return "full";
}

/**
 * Whether labels are readable at a scale: a box is tall enough on screen
 * to hold text of MIN_LABEL_PX with a little room.
 * @param {number} scale
 * @param {number} [h] world height of a box
 * @returns {boolean}
 */
export function showLabels(scale, h = BOX_H) {
  return scale * h >= MIN_LABEL_PX + 3;
}

/**
 * The world font size of labels at a scale: FONT, or bigger when that
 * would be smaller than MIN_LABEL_PX on screen. Rounded to a quarter
 * unit, so that cut labels are cached across small zoom steps.
 * @param {number} scale
 * @returns {number}
 */
export function labelFont(scale) {
  if (scale * FONT >= MIN_LABEL_PX || !(scale > 0)) return FONT;
  return Math.ceil((MIN_LABEL_PX / scale) * 4) / 4;
}

/**
 * What the page says about the level of detail: nothing while labels
 * show, or how to read them.
 * @param {{labels: boolean, drawn: number}} stats of the last frame
 * @returns {string}
 */
export function lodHint(stats) {
  return stats.labels || stats.drawn === 0 ? "" : "Zoom in to read labels (+ or the wheel)";
}

/**
 * Whether edges are worth drawing: far out they only blacken the picture.
 * @param {number} scale
 * @returns {boolean}
 */
export function showEdges(scale) {
  return scale >= 0.04;
}

/**
 * Cut a label to fit a width, with an ellipsis, given a function that
 * measures text. Binary search keeps it to a few measurements.
 * @param {string} text
 * @param {number} maxWidth
 * @param {(s: string) => number} measure
 * @returns {string}
 */
export function truncate(text, maxWidth, measure) {
  if (maxWidth <= 0) return "";
  if (measure(text) <= maxWidth) return text;
  const chars = [...text];
  let lo = 0, hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(chars.slice(0, mid).join("") + "…") <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? "" : chars.slice(0, lo).join("").trimEnd() + "…";
}
