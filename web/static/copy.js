// @ts-check
/**
 * Copy buttons of the details panel: a button that carries its value, and
 * one listener that copies it, with a fallback for pages where the async
 * clipboard is unavailable (plain http on another host). Moved out of
 * app.js, which only places the buttons.
 */

/**
 * A button that copies a value.
 * @param {string} value
 * @param {string} what
 * @param {string} focus names the button across redraws of the panel
 * @returns {HTMLButtonElement}
 */
export function copyButton(value, what, focus) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "copy";
  b.textContent = "Copy";
  b.setAttribute("aria-label", `Copy ${what}`);
  b.dataset.value = value;
  b.dataset.focus = focus;
  return b;
}

/**
 * Make the copy buttons inside an element work: a click copies and says
 * whether it could.
 * @param {HTMLElement} el
 */
export function wireCopy(el) {
  el.addEventListener("click", async (ev) => {
    const b = /** @type {HTMLElement} */ (ev.target).closest("button.copy");
    if (!(b instanceof HTMLButtonElement)) return;
    const ok = await copyText(b.dataset.value || "");
    b.textContent = ok ? "Copied" : "Copy failed";
    setTimeout(() => (b.textContent = "Copy"), 1500);
  });
}

/**
 * @param {string} text
 * @returns {Promise<boolean>}
 */
async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the old way
  }
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.className = "offscreen";
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}
