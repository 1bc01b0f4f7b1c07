// @ts-check
/**
 * Level of detail: what to draw of a node at a given zoom, so that 10k
 * nodes far out are cheap flat boxes and close up are readable, labelled
 * shapes. Pure, so the thresholds are tested and the renderer only asks.
 */

/** World font size of labels, in layout units. */
export const FONT = 11.5;
/** Smallest label size on screen, in CSS pixels, worth drawing. */
export const MIN_LABEL_PX = 7;
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
 * Whether labels are readable at a scale.
 * @param {number} scale
 * @returns {boolean}
 */
export function showLabels(scale) {
  return scale * FONT >= MIN_LABEL_PX;
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
