// @ts-check
/** The page's elements, found by ID: a missing one is a broken page, said at once. */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page lacks #${id}`);
  return /** @type {T} */ (el);
}
