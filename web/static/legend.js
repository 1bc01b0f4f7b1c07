// @ts-check
/**
 * The legend: each namespace type's colour and marker, and the three node
 * kinds, drawn with the same shapes as the tree so that they cannot drift
 * apart.
 */
import { TYPES, markerOf, drawMarker } from "./shapes.js";

/** What each type isolates, for the legend's tooltip and screen readers. */
const ABOUT = {
  user: "user IDs and capabilities",
  pid: "process IDs",
  net: "network stack",
  mnt: "mount table",
  uts: "host and domain name",
  ipc: "System V IPC, message queues",
  cgroup: "cgroup root",
  time: "boot and monotonic clocks",
};

/**
 * @param {HTMLElement} ul
 * @param {import("./render.js").Theme} theme
 */
export function drawLegend(ul, theme) {
  ul.replaceChildren();
  const dpr = window.devicePixelRatio || 1;
  for (const t of TYPES) {
    const li = document.createElement("li");
    const c = swatch(dpr, 18, 18);
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext("2d"));
    ctx.scale(dpr, dpr);
    drawMarker(ctx, markerOf(t), 9, 9, 7, theme.types[t]);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = t;
    const about = document.createElement("span");
    about.className = "about";
    about.textContent = ABOUT[/** @type {keyof typeof ABOUT} */ (t)];
    li.append(c, name, about);
    ul.append(li);
  }
  for (const [kind, text] of [["dir", "directory: owns or parents others"], ["file", "namespace"], ["group", "folded siblings: click to expand"],
    ["container", "what one container alone uses"], ["pod", "a pod's containers and what they share"],
    ["containers", "folded containers or pods: click to expand"]]) {
    // "containers": a group of folded container nodes, drawn as stacked pills.
    const pill = kind === "container" || kind === "containers";
    const boxy = pill || kind === "pod";
    const li = document.createElement("li");
    li.className = "kind";
    const c = swatch(dpr, 30, 18);
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext("2d"));
    ctx.scale(dpr, dpr);
    ctx.strokeStyle = boxy ? theme.fg : theme.muted;
    ctx.fillStyle = theme.nodeBg;
    ctx.lineWidth = kind === "dir" || boxy ? 2 : 1.25;
    if (kind === "group" || kind === "containers") {
      for (const off of [4, 2]) {
        ctx.beginPath();
        ctx.roundRect(3 + off, 5 - off, 20, 11, pill ? 5.5 : 3);
        ctx.fill();
        ctx.stroke();
      }
    }
    ctx.beginPath();
    if (kind === "dir") {
      ctx.moveTo(2, 5);
      ctx.lineTo(2, 3);
      ctx.lineTo(10, 3);
      ctx.lineTo(12, 5);
      ctx.lineTo(26, 5);
      ctx.lineTo(26, 16);
      ctx.lineTo(2, 16);
      ctx.closePath();
    } else ctx.roundRect(3, 5, 20, 11, pill ? 5.5 : 3);
    ctx.fill();
    ctx.stroke();
    if (kind === "pod") {
      ctx.beginPath();
      ctx.roundRect(5.5, 7.5, 15, 6, 1.5);
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = kind;
    const about = document.createElement("span");
    about.className = "about";
    about.textContent = text;
    li.append(c, name, about);
    ul.append(li);
  }
}

/**
 * @param {number} dpr
 * @param {number} w
 * @param {number} h
 */
function swatch(dpr, w, h) {
  const c = document.createElement("canvas");
  c.width = w * dpr;
  c.height = h * dpr;
  c.className = "swatch";
  c.style.width = `${w}px`;
  c.style.height = `${h}px`;
  c.setAttribute("aria-hidden", "true");
  return c;
}
