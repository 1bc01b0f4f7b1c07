// @ts-check
/**
 * The pointer on the tree: drag to pan, two fingers to pan and zoom, the
 * wheel to zoom (Shift pans), hover for a tooltip, click to select or to
 * follow an arrow to a change out of view; and the minimap, which moves the
 * view to where it is clicked or dragged.
 */
import { pan, zoomAt, toScreen, toWorld } from "./camera.js";
import { markAt } from "./edgemarks.js";

/** @typedef {import("./store.js").WireNode} WireNode */

/**
 * @typedef {object} PointerParts what the pointer works on besides the app
 * @property {HTMLElement} tip the tooltip
 * @property {HTMLCanvasElement} miniCanvas
 * @property {import("./render.js").Minimap} minimap
 * @property {() => import("./spatial.js").Grid<WireNode>} grid the nodes by place, current
 * @property {() => import("./edgemarks.js").EdgeMark[]} marks the arrows of the last frame
 */

/**
 * Listen to the pointer on the tree and the minimap.
 * @param {import("./session.js").App} app
 * @param {PointerParts} parts
 * @returns {{pressed: () => number}} how many pointers are down
 */
export function wirePointer(app, { tip, miniCanvas, minimap, grid, marks }) {
  const { ui, canvas, renderer, follow } = app;
  const requestDraw = app.requestDraw;

  /** @type {Map<number, {x: number, y: number}>} */
  const pointers = new Map();
  let dragFrom = { x: 0, y: 0 };
  let dragged = false;
  let pinchDist = 0;
  let pinchMid = { x: 0, y: 0 };

  /** @param {PointerEvent | WheelEvent | MouseEvent} ev */
  function local(ev) {
    const r = canvas.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  /**
   * @param {number} sx
   * @param {number} sy
   * @returns {WireNode | null}
   */
  function hitAt(sx, sy) {
    const w = toWorld(ui.camera, sx, sy);
    return grid().hit(w.x, w.y, 3 / ui.camera.scale);
  }

  canvas.addEventListener("pointerdown", (ev) => {
    try {
      canvas.setPointerCapture(ev.pointerId);
    } catch {
      // a pointer the browser does not track (synthetic); dragging still works inside the canvas
    }
    const p = local(ev);
    pointers.set(ev.pointerId, p);
    if (pointers.size === 1) {
      dragFrom = p;
      dragged = false;
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinchDist = Math.hypot(a.x - b.x, a.y - b.y);
      pinchMid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      dragged = true;
    }
  });

  canvas.addEventListener("pointermove", (ev) => {
    const p = local(ev);
    const prev = pointers.get(ev.pointerId);
    if (!prev) {
      hoverAt(p.x, p.y, ev);
      return;
    }
    pointers.set(ev.pointerId, p);
    if (pointers.size >= 2) {
      const [a, b] = [...pointers.values()];
      // Two fingers pan with their middle and zoom with their spread, so the
      // point first under the middle stays under it.
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      if (pinchDist > 0 && d > 0) {
        ui.camera = zoomAt(pan(ui.camera, mid.x - pinchMid.x, mid.y - pinchMid.y), d / pinchDist, mid.x, mid.y);
        follow.stop();
      }
      pinchDist = d;
      pinchMid = mid;
      requestDraw();
      return;
    }
    if (!dragged && Math.hypot(p.x - dragFrom.x, p.y - dragFrom.y) > 4) {
      dragged = true;
      canvas.classList.add("dragging");
      tip.hidden = true;
    }
    if (dragged) {
      ui.camera = pan(ui.camera, p.x - prev.x, p.y - prev.y);
      follow.stop();
      requestDraw();
    }
  });

  /** @param {PointerEvent} ev */
  function pointerEnd(ev) {
    const had = pointers.delete(ev.pointerId);
    if (pointers.size < 2) pinchDist = 0;
    if (!had || pointers.size > 0) return;
    canvas.classList.remove("dragging");
    if (!dragged && ev.type === "pointerup") {
      const p = local(ev);
      const mk = markAt(marks(), p.x, p.y);
      const n = mk ? null : hitAt(p.x, p.y);
      if (mk) app.centerOn({ ...mk.target, w: 0, h: 0 });
      if (n) {
        ui.focus = n.id;
        app.select(n.id);
      }
    }
  }
  canvas.addEventListener("pointerup", pointerEnd);
  canvas.addEventListener("pointercancel", pointerEnd);
  canvas.addEventListener("pointerleave", () => {
    if (pointers.size) return;
    ui.hover = "";
    tip.hidden = true;
    requestDraw();
  });

  /**
   * @param {number} sx
   * @param {number} sy
   * @param {MouseEvent} ev
   */
  function hoverAt(sx, sy, ev) {
    const n = hitAt(sx, sy);
    const id = n ? n.id : "";
    if (n) {
      tip.textContent = n.kind === "group" ? `${n.label} — click to expand` : n.label;
      const r = canvas.getBoundingClientRect();
      tip.style.left = `${Math.min(ev.clientX - r.left + 14, r.width - 260)}px`;
      tip.style.top = `${ev.clientY - r.top + 16}px`;
      tip.hidden = false;
    } else tip.hidden = true;
    canvas.classList.toggle("pointing", !!n);
    if (id !== ui.hover) {
      ui.hover = id;
      requestDraw();
    }
  }

  canvas.addEventListener(
    "wheel",
    (ev) => {
      ev.preventDefault();
      const p = local(ev);
      const unit = ev.deltaMode === 1 ? 33 : ev.deltaMode === 2 ? 400 : 1;
      const dy = ev.deltaY * unit;
      if (ev.shiftKey && !ev.ctrlKey) {
        ui.camera = pan(ui.camera, -dy, 0);
      } else {
        ui.camera = zoomAt(ui.camera, Math.exp(-dy * (ev.ctrlKey ? 0.01 : 0.0015)), p.x, p.y);
      }
      follow.stop();
      requestDraw();
    },
    { passive: false },
  );

  // The minimap moves the view to where it is clicked or dragged.
  let miniDrag = false;
  /** @param {PointerEvent} ev */
  function miniMove(ev) {
    const r = miniCanvas.getBoundingClientRect();
    const w = minimap.toWorld(ev.clientX - r.left, ev.clientY - r.top);
    const s = toScreen(ui.camera, w.x, w.y);
    ui.camera = pan(ui.camera, renderer.w / 2 - s.x, renderer.h / 2 - s.y);
    follow.stop();
    requestDraw();
  }
  miniCanvas.addEventListener("pointerdown", (ev) => {
    miniDrag = true;
    miniCanvas.setPointerCapture(ev.pointerId);
    miniMove(ev);
  });
  miniCanvas.addEventListener("pointermove", (ev) => miniDrag && miniMove(ev));
  miniCanvas.addEventListener("pointerup", () => (miniDrag = false));

  return { pressed: () => pointers.size };
}
