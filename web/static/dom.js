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

/**
 * The content of the page's meta element of that name, as the server
 * rendered it (its limits, whether it keeps history); null when none.
 * @param {string} name
 * @returns {string | null}
 */
export function meta(name) {
  return document.querySelector(`meta[name="${name}"]`)?.getAttribute("content") ?? null;
}
