// The view's picture: the frames the server sends, drawn on a canvas at the customer's viewport
// size, one canvas pixel to one CSS pixel of the customer's, shown at the agent's zoom.
import { PATCH, drawPiece, framePieces, runsImage, sizedPieces } from "../patches.js";

export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 3;
const ASK_AGAIN_MS = 1000;

// A binary message is a whole frame (a JPEG, or one captured small) or a patch of the last one
// (../patches.js).
function pieces(buffer) {
  const bytes = new Uint8Array(buffer);
  const { whole, pieces } = framePieces(new DataView(buffer), 0, buffer.byteLength);
  return pieces.map((p) => ({ ...p, whole, picture: bytes.subarray(p.start, p.end) }));
}

export class ViewCanvas {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {() => void} onResize after the customer's screen changed size
   * @param {(reduced: boolean) => void} onSharpness after each whole frame: whether it came
   *   captured smaller than the customer's screen
   * @param {() => void} onBroken a message could not be drawn: the picture needs a whole frame
   */
  constructor(canvas, onResize = () => {}, onSharpness = () => {}, onBroken = () => {}) {
    this.canvas = canvas;
    this.onResize = onResize;
    this.onSharpness = onSharpness;
    this.onBroken = onBroken;
    this.context = canvas.getContext("2d");
    this.zoom = 1;
    this.pending = []; // Frame messages not yet drawn, oldest first (see queue).
    this.drawing = false;
    this.askedAt = -ASK_AGAIN_MS; // When the view last asked for a whole frame (see askWhole).
    this.askTimer = 0; // An ask to come: cancelled by the next whole frame drawn.
  }

  /** Patches build on every message before them, so none is dropped; a whole frame replaces
   * everything still waiting, which keeps a slow agent from falling behind. */
  queue(buffer) {
    if (new Uint8Array(buffer, 0, 1)[0] !== PATCH) this.pending = [];
    this.pending.push(buffer);
    this.drawNewest();
  }

  async drawNewest() {
    if (this.drawing) return;
    this.drawing = true;
    try {
      while (this.pending.length) {
        const buffer = this.pending.shift();
        try {
          await this.draw(buffer);
        } catch {
          // The part of the picture it covers is now behind the customer's screen, and the
          // server sends a whole frame only when much changes: it is asked for one.
          this.askWhole();
        }
      }
    } finally {
      this.drawing = false;
    }
  }

  /** Ask the server for the whole picture: at once, then at most each ASK_AGAIN_MS until a
   * whole frame is drawn (a browser that fails every frame does not have them sent back to
   * back; an ask still to come is dropped once a whole frame is drawn). */
  askWhole() {
    if (this.askTimer) return;
    const wait = Math.max(0, this.askedAt + ASK_AGAIN_MS - performance.now());
    this.askTimer = setTimeout(() => {
      this.askTimer = 0;
      this.askedAt = performance.now();
      this.onBroken();
    }, wait);
  }

  async draw(buffer) {
    const parts = pieces(buffer);
    // Runs are drawn as they come; a JPEG is decoded off the main thread first.
    const images = await Promise.all(
      parts.map((p) => (p.runs ? runsImage(p.picture, p.width, p.height)
        : createImageBitmap(new Blob([p.picture], { type: "image/jpeg" })))),
    );
    // A whole frame is the customer's viewport: it sets the view's size, whichever of it and
    // the viewport message comes first. One captured small says the size it stands for.
    const sized = sizedPieces(parts, images);
    if (parts.length === 1 && parts[0].whole) {
      this.resize(sized[0].width, sized[0].height);
      this.onSharpness(sized[0].width > images[0].width);
      clearTimeout(this.askTimer);
      this.askTimer = 0;
    }
    // All of a message's rectangles are drawn together: the view never shows half a frame.
    sized.forEach((p, i) => drawPiece(this.context, p, images[i]));
    this.canvas.dataset.frames = String(Number(this.canvas.dataset.frames || 0) + 1);
  }

  resize(width, height) {
    const canvas = this.canvas;
    if (canvas.width !== width || canvas.height !== height) {
      // Resizing clears a canvas, and patches are drawn over what it shows: keep the picture
      // until the next whole frame, which the server sends at each new size.
      const kept = document.createElement("canvas");
      kept.width = canvas.width;
      kept.height = canvas.height;
      if (kept.width && kept.height) kept.getContext("2d").drawImage(canvas, 0, 0);
      canvas.width = width;
      canvas.height = height;
      if (kept.width && kept.height) this.context.drawImage(kept, 0, 0);
      this.show();
      this.onResize();
      return;
    }
    this.show();
  }

  show() {
    this.canvas.style.width = `${this.canvas.width * this.zoom}px`;
    this.canvas.style.height = `${this.canvas.height * this.zoom}px`;
  }

  /** The agent's zoom, within bounds; returns the zoom set. */
  setZoom(next) {
    const value = Number(next);
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.round((Number.isFinite(value) ? value : 1) * 100) / 100));
    this.show();
    return this.zoom;
  }

  /** Nothing shown: the next session starts from an empty view. */
  clear() {
    this.pending = [];
    this.canvas.width = 0;
    this.canvas.height = 0;
    delete this.canvas.dataset.frames;
  }
}
