// The page's read-only debug handle (web/static/app.js), as the end-to-end
// tests see it inside page.evaluate.
interface NswebDebug {
  readonly nodeCount: number;
  readonly drawn: number;
  readonly stats: { drawn: number; edges: number; ms: number; detail: string; labels: boolean };
  readonly seq: number;
  readonly view: string;
  readonly group: string;
  readonly q: string;
  /** The filter of the picture on screen; null before the first. */
  readonly shownQ: string | null;
  readonly selected: string;
  readonly conn: string;
  readonly camera: { scale: number; x: number; y: number };
  /** Whether the view follows the tree (follow.js). */
  readonly following: boolean;
  /** The arrows to changes out of view in the last frame (edgemarks.js). */
  readonly edgeMarks: import("../web/static/edgemarks.js").EdgeMark[];
  readonly timing: { appStart: number; wsOpen: number; firstBytes: number; firstSnapshot: number; firstRender: number; firstFrameMs: number; firstApplied: number; frames: number; hellos: number; snapshots: number; patches: number; gaps: number };
  readonly expanded: string[];
  readonly focus: string;
  readonly changes: number;
  /** the past moment the timeline shows (ISO), null when live */
  readonly at: string | null;
  /** the comparison of two moments (compare.js): its state and the node IDs outlined as appeared */
  readonly compare: { state: "off" | "pick" | "on"; marked: string[] };
  readonly born: string[];
  readonly ghosts: string[];
  ids(): string[];
  order(): string[];
  has(id: string): boolean;
  node(id: string): import("../web/static/store.js").WireNode | null;
  nodeRect(id: string): { x: number; y: number; w: number; h: number } | null;
}
interface Window {
  readonly nsweb: NswebDebug;
}
