// @ts-check
/**
 * What picture a snapshot shows: the view, filter, open groups and grouping
 * it was asked with. The store keeps them as one key (store.js snapshotKey,
 * JSON of [view, q, expand, group]); this is its only reader, so that no
 * caller decodes the key by array position.
 */

/**
 * @typedef {object} Picture
 * @property {string} view
 * @property {string} q
 * @property {string[]} expand
 * @property {string} group
 */

/**
 * The picture a snapshot key names, or null for no key (no picture yet) or
 * one that is not a key.
 * @param {string} key store.key
 * @returns {Picture | null}
 */
export function pictureOf(key) {
  if (!key) return null;
  let a;
  try {
    a = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(a)) return null;
  const [view, q, expand, group] = a;
  return {
    view: String(view ?? ""),
    q: String(q ?? ""),
    expand: Array.isArray(expand) ? expand.map(String) : [],
    group: String(group ?? ""),
  };
}
