// Canvas content as pictures, sent when a canvas is drawn on. The page's drawing calls (2D, WebGL,
// bitmap contexts) mark their canvas; at the end of the drawing task the canvas gets a picture if
// one is due (at most `canvas_fps` a second while it keeps drawing), and once its drawing stops
// for SETTLE_MS it gets one more at once, so a finished chart animation reaches the agent within a
// few frames instead of a sampling period. Canvases whose drawing cannot be seen (drawn by a
// worker, or before the capture began) are looked at every SWEEP_MS and sent only if changed.
// Pictures leave in rrweb's canvas event shape (clearRect + drawImage of an encoded blob), which
// the render page shows as a picture (render/canvas.js): never drawing calls.
import { CanvasContext, EventType, IncrementalSource } from "@rrweb/types";
import { canvasBlob, dataUrl, isPictureCanvas, pictureCanvas } from "./pictures.js";

const SETTLE_MS = 50;
const SWEEP_MS = 1000;
const DRAWING_2D = ["clearRect", "fillRect", "strokeRect", "fill", "stroke", "drawImage", "putImageData",
  "fillText", "strokeText", "drawFocusIfNeeded", "reset"];
const DRAWING_WEBGL = ["clear", "drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced",
  "drawRangeElements", "blitFramebuffer"];
const DRAWING_BITMAP = ["transferFromImageBitmap"];

let tracker = null; // The running CanvasPictures of this page; the patches are inert without one.
const WATCHED = Symbol.for("cobrowse.canvases"); // On a window (a second copy of the script too).

/**
 * Wraps a window's drawing methods once, for the page's lifetime: unwrapping could drop a wrapper
 * another script added later. The page's call runs first and its result or error stands; marking
 * never throws into the page. Called when the script starts, so that WebGL contexts the page
 * makes afterwards keep their drawing readable (see keepDrawingsReadable).
 */
export function watchCanvases(win = window) {
  if (win[WATCHED]) return;
  win[WATCHED] = true;
  keepDrawingsReadable(win);
  const wrap = (proto, names, webgl) => {
    if (!proto) return;
    for (const name of names) {
      const original = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (typeof original !== "function") continue;
      proto[name] = function drawn(...args) {
        const result = original.apply(this, args);
        if (tracker) {
          try {
            tracker.drawn(this.canvas, webgl ? this : null);
          } catch {
            // Never into the page.
          }
        }
        return result;
      };
    }
  };
  try {
    wrap(win.CanvasRenderingContext2D?.prototype, DRAWING_2D, false);
    wrap(win.WebGLRenderingContext?.prototype, DRAWING_WEBGL, true);
    wrap(win.WebGL2RenderingContext?.prototype, DRAWING_WEBGL, true);
    wrap(win.ImageBitmapRenderingContext?.prototype, DRAWING_BITMAP, false);
  } catch {
    // A window whose prototypes cannot be changed keeps the sweep only.
  }
}

/**
 * A WebGL context's drawing buffer is cleared once shown, unless the page asks to preserve it: a
 * map or a 3D view drawn once, before the customer starts co-browsing, could then never be read
 * for the agent. Contexts made after the script starts preserve it (as rrweb's recorder does
 * while it records); on some GPUs that costs a copy per frame drawn.
 */
function keepDrawingsReadable(win) {
  const proto = win.HTMLCanvasElement?.prototype;
  const getContext = proto?.getContext;
  if (typeof getContext !== "function") return;
  proto.getContext = function getContextReadable(type, attributes, ...rest) {
    if (type === "webgl" || type === "webgl2" || type === "experimental-webgl") {
      const given = attributes && typeof attributes === "object" ? attributes : {};
      attributes = { ...given, preserveDrawingBuffer: true };
    }
    return getContext.call(this, type, attributes, ...rest);
  };
}

/** The canvas's picture as WebP (or the browser's fallback type), base64. */
async function encode(bitmap, quality) {
  const canvas = pictureCanvas(bitmap.width, bitmap.height);
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close();
  const blob = await canvasBlob(canvas, "image/webp", quality);
  const url = await dataUrl(blob);
  return { type: blob.type, base64: url.slice(url.indexOf(",") + 1), width: canvas.width, height: canvas.height };
}

const ownPictures = new WeakSet(); // Events made by canvasPictureEvent.

/** True for a picture event made here (not a drawing call rrweb recorded). */
export function isCanvasPicture(event) {
  return ownPictures.has(event);
}

/** The rrweb event of one canvas picture. */
export function canvasPictureEvent(id, picture) {
  const { type, base64, width, height } = picture;
  const blob = { rr_type: "Blob", data: [{ rr_type: "ArrayBuffer", base64 }], type };
  const event = {
    type: EventType.IncrementalSnapshot,
    timestamp: Date.now(),
    data: {
      source: IncrementalSource.CanvasMutation,
      id,
      // The render page draws a picture whatever the canvas's own context is.
      type: CanvasContext["2D"],
      commands: [
        { property: "clearRect", args: [0, 0, width, height] },
        { property: "drawImage", args: [{ rr_type: "ImageBitmap", args: [blob] }, 0, 0] },
      ],
    },
  };
  ownPictures.add(event);
  return event;
}

class CanvasState {
  seen = false; // Its drawing calls are seen here (else the sweep looks at it).
  copied = false; // A WebGL drawing buffer cleared once shown: copied at the end of each drawing task.
  lastDraw = 0;
  lastPicture = -Infinity;
  lastEarly = -Infinity; // The last picture sent before its period was up (drawing had stopped).
  held = null; // WebGL: a copy of the newest drawing, taken at the end of its task (see endOfTask)
  busy = false; // A picture is being encoded.
  sent = ""; // The base64 of the last picture sent: the same content is not sent again.
}

export class CanvasPictures {
  /**
   * @param {(id: number, picture: object) => void} send
   * @param {(element: Element) => number} idOf rrweb's node id (-1 when not captured)
   * @param {import('./policy.js').Policy} policy
   * @param {{canvas_fps: number, canvas_quality: number}} budget
   * @param {() => (Document|ShadowRoot)[]} roots the page's document, open shadow roots and
   *   same-origin frame documents
   */
  constructor(send, idOf, policy, budget, roots = () => [document]) {
    this.send = send;
    this.idOf = idOf;
    this.policy = policy;
    this.quality = budget.canvas_quality;
    this.period = 1000 / budget.canvas_fps;
    this.roots = roots;
    this.states = new WeakMap(); // canvas -> CanvasState
    this.pending = new Set(); // canvases drawn on since their last picture (stale in the view)
    this.thisTask = new Set(); // canvases drawn on in the current task
    this.frame = 0;
    this.sweeper = 0;
  }

  start() {
    tracker = this;
    this.patchRoots();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
  }

  stop() {
    if (tracker === this) tracker = null;
    clearInterval(this.sweeper);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.states = new WeakMap();
    this.pending.clear();
    this.thisTask.clear();
  }

  /** After a full snapshot: the snapshot carries canvases' pictures, except the WebGL drawings
   * copied here (the snapshot reads their cleared drawing buffer): those go again. */
  reset() {
    this.patchRoots();
    for (const canvas of this.canvases()) {
      const state = this.states.get(canvas);
      if (!state) continue;
      state.sent = "";
      if (state.held) this.pending.add(canvas);
    }
    this.schedule();
  }

  stateOf(canvas) {
    let state = this.states.get(canvas);
    if (!state) this.states.set(canvas, (state = new CanvasState()));
    return state;
  }

  canvases() {
    return this.roots().flatMap((root) => [...root.querySelectorAll("canvas")]);
  }

  patchRoots() {
    for (const root of this.roots()) {
      if (root.nodeType === Node.DOCUMENT_NODE && root.defaultView) watchCanvases(root.defaultView);
    }
  }

  /**
   * Called by the wrapped drawing methods: cheap, as a chart draws thousands of times a frame.
   * @param {WebGLRenderingContext|null} webgl the context, for WebGL drawing
   */
  drawn(canvas, webgl) {
    if (!canvas || canvas.nodeType !== Node.ELEMENT_NODE) return; // An OffscreenCanvas: not on the page.
    if (isPictureCanvas(canvas)) return; // Encoding a picture (pictures.js), not the page drawing.
    if (this.thisTask.size === 0) queueMicrotask(() => this.endOfTask());
    if (this.thisTask.has(canvas)) return;
    this.thisTask.add(canvas);
    const state = this.stateOf(canvas);
    state.seen = true;
    if (webgl) state.copied = !webgl.getContextAttributes()?.preserveDrawingBuffer;
  }

  /** The page's drawing task is over: what it drew is complete (and, for WebGL, still there). */
  endOfTask() {
    const now = performance.now();
    for (const canvas of this.thisTask) {
      const state = this.stateOf(canvas);
      state.lastDraw = now;
      this.pending.add(canvas);
      // Copied now, while the drawing buffer holds the drawing.
      if (state.copied && canvas.width && canvas.height) state.held = createImageBitmap(canvas);
      if (now - state.lastPicture >= this.period) this.picture(canvas, state, now);
    }
    this.thisTask.clear();
    this.schedule();
  }

  schedule() {
    if (!this.frame && this.pending.size) this.frame = requestAnimationFrame(() => this.check());
  }

  /** Each frame while a canvas has drawings not sent: the finished drawing goes at once. */
  check() {
    this.frame = 0;
    const now = performance.now();
    for (const canvas of this.pending) {
      const state = this.stateOf(canvas);
      const due = now - state.lastPicture >= this.period;
      const early = !due && now - state.lastDraw >= SETTLE_MS && now - state.lastEarly >= this.period;
      if (due || early) this.picture(canvas, state, now, early);
      if (!canvas.isConnected) this.pending.delete(canvas);
    }
    this.schedule();
  }

  /** Canvases whose drawing is not seen here; their pictures go only when they changed. */
  sweep() {
    this.patchRoots();
    const now = performance.now();
    for (const canvas of this.canvases()) {
      const state = this.stateOf(canvas);
      if (!state.seen) this.picture(canvas, state, now);
    }
  }

  /** Encodes and sends the canvas's picture; `early`: before its period is up (it settled). */
  async picture(canvas, state, now, early = false) {
    if (state.busy) return; // Still pending: tried again on the next frame.
    this.pending.delete(canvas);
    if (!canvas.isConnected || !canvas.width || !canvas.height) return;
    if (this.policy.isHidden(canvas) || this.policy.isBlocked(canvas)) return;
    const id = this.idOf(canvas);
    if (!(id > 0)) return;
    state.busy = true;
    state.lastPicture = now;
    if (early) state.lastEarly = now;
    try {
      const source = state.copied ? await state.held : canvas;
      if (!source) return;
      const picture = await encode(await createImageBitmap(source), this.quality);
      if (picture.base64 === state.sent || tracker !== this) return;
      state.sent = picture.base64;
      this.send(id, picture);
    } catch {
      // A canvas tainted by another origin's image cannot be read: the view keeps its last picture.
    } finally {
      state.busy = false;
    }
  }
}
