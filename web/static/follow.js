// @ts-check
/**
 * Follow mode: while it is on, the view is fitted to the whole tree after
 * every snapshot, patch and resize, so that a tree that grows stays in
 * sight without a touch. Panning or zooming (mouse, wheel, pinch, keys,
 * the overview map) turns it off, so the user's place is kept; the Follow
 * button in the toolbar says which mode is on (aria-pressed) and turns it
 * on again. Kept apart from app.js so the rules are tested without a page.
 */

/**
 * @typedef {object} FollowButton what of a button Follow updates (an
 *   HTMLButtonElement in the page, a plain object in the tests)
 * @property {(name: string, value: string) => void} setAttribute
 * @property {string | null} textContent
 * @property {string} title
 */

export class Follow {
  /**
   * @param {FollowButton | null} [button]
   */
  constructor(button = null) {
    /** whether the view follows the tree */
    this.on = true;
    this.button = button;
    this.show();
  }

  /**
   * The user moved the view: stop following.
   * @returns {boolean} whether the mode changed
   */
  stop() {
    if (!this.on) return false;
    this.on = false;
    this.show();
    return true;
  }

  /**
   * Follow again (the Follow button, Fit, a new picture).
   * @returns {boolean} whether the mode changed
   */
  start() {
    if (this.on) return false;
    this.on = true;
    this.show();
    return true;
  }

  /**
   * The Follow button: on when off, off when on.
   * @returns {boolean} the new mode
   */
  toggle() {
    if (this.on) this.stop();
    else this.start();
    return this.on;
  }

  /**
   * Whether new data should refit the view.
   * @param {number} count nodes in the tree
   * @returns {boolean}
   */
  fitsAfterData(count) {
    return this.on && count > 0;
  }

  /** Make the button say the mode. */
  show() {
    const b = this.button;
    if (!b) return;
    b.setAttribute("aria-pressed", String(this.on));
    b.textContent = this.on ? "Following" : "Follow";
    b.title = this.on
      ? "The view follows the tree as it changes; panning or zooming stops it (click to stop now)"
      : "The view stays where you moved it; click to fit the whole tree and follow it as it changes (F)";
  }
}

/**
 * Did the camera move? A reveal that needed no move leaves follow on.
 * @param {import("./camera.js").Camera} a
 * @param {import("./camera.js").Camera} b
 * @returns {boolean}
 */
export function moved(a, b) {
  return a.scale !== b.scale || Math.abs(a.x - b.x) > 0.5 || Math.abs(a.y - b.y) > 0.5;
}
