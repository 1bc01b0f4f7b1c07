// @ts-check
/**
 * The keyboard and the zoom buttons: +/- zoom, 0 fits, f follows, arrows
 * pan, Tab walks the nodes in tree order, Enter or Space selects, Escape
 * closes the details, / goes to the search box. The node the keyboard is on
 * is said to screen readers.
 */
import { $ } from "./dom.js";
import { pan, zoomAt, reveal } from "./camera.js";
import { moved } from "./follow.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * @typedef {object} KeyParts what the keyboard works on besides the app
 * @property {HTMLInputElement} qInput the search box
 * @property {{hidden: boolean, close: () => void}} details the details panel
 * @property {() => number} pressed how many pointers are down
 */

/**
 * Listen to the keyboard and the zoom, follow and fit buttons.
 * @param {import("./session.js").App} app
 * @param {KeyParts} parts
 */
export function wireKeys(app, { qInput, details, pressed }) {
  const { ui, canvas, renderer, follow, store } = app;
  const { requestDraw, fitView, select } = app;
  const focusSay = $("focus-say");

  /** @param {number} factor */
  function zoomCenter(factor) {
    ui.camera = zoomAt(ui.camera, factor, renderer.w / 2, renderer.h / 2);
    follow.stop();
    requestDraw();
  }
  $("zoom-in").addEventListener("click", () => zoomCenter(1.4));
  $("zoom-out").addEventListener("click", () => zoomCenter(1 / 1.4));
  $("follow").addEventListener("click", () => {
    if (follow.toggle()) fitView();
  });
  $("fit").addEventListener("click", () => {
    follow.start();
    fitView();
  });
  canvas.addEventListener("keydown", (ev) => {
    const step = 80;
    const cam0 = ui.camera;
    switch (ev.key) {
      case "+":
      case "=":
        zoomCenter(1.25);
        break;
      case "-":
      case "_":
        zoomCenter(0.8);
        break;
      case "0":
        follow.start();
        fitView();
        break;
      case "f":
        if (follow.toggle()) fitView();
        break;
      case "ArrowLeft":
        ui.camera = pan(ui.camera, step, 0);
        break;
      case "ArrowRight":
        ui.camera = pan(ui.camera, -step, 0);
        break;
      case "ArrowUp":
        ui.camera = pan(ui.camera, 0, step);
        break;
      case "ArrowDown":
        ui.camera = pan(ui.camera, 0, -step);
        break;
      case "Tab": {
        // Walk every node in tree order, bringing each into view; past either
        // end, let the focus leave the canvas as usual so the keyboard is
        // never trapped.
        const list = store.order();
        let i = list.findIndex((n) => n.id === ui.focus);
        i = ev.shiftKey ? (i < 0 ? list.length - 1 : i - 1) : i + 1;
        if (i < 0 || i >= list.length) {
          ui.focus = "";
          requestDraw();
          return;
        }
        const n = list[i];
        ui.focus = n.id;
        ui.camera = reveal(ui.camera, n, renderer.w, renderer.h);
        announce(n);
        break;
      }
      case "Enter":
      case " ":
        if (!ui.focus) return;
        select(ui.focus, true);
        break;
      case "Escape":
        if (!details.hidden) details.close();
        else ui.focus = "";
        break;
      default:
        return;
    }
    ev.preventDefault();
    if (ev.key.startsWith("Arrow")) follow.stop();
    if (ev.key === "Tab" && moved(cam0, ui.camera)) follow.stop();
    requestDraw();
  });

  /**
   * Say which node the keyboard is on, for screen readers.
   * @param {WireNode} n
   */
  function announce(n) {
    focusSay.textContent = n.kind === "group" ? `${n.label}, group, Enter expands` : n.label;
  }

  // The keyboard's node stays while the tree is not focused (see ui.focus):
  // only its ring goes, and comes back with the focus. Coming back by the
  // keyboard (Escape from the details, Tab from the page) says where it is;
  // a click chooses its own node.
  canvas.addEventListener("blur", requestDraw);
  canvas.addEventListener("focus", () => {
    const n = store.nodes.get(ui.focus);
    if (!n) ui.focus = "";
    else if (!pressed()) announce(n);
    requestDraw();
  });

  document.addEventListener("keydown", (ev) => {
    const t = /** @type {HTMLElement} */ (ev.target);
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable;
    if (ev.key === "/" && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      ev.preventDefault();
      qInput.focus();
      qInput.select();
    } else if (ev.key === "Escape" && !details.hidden && t !== canvas) {
      details.close();
    }
  });

  return { announce };
}
