// What the agent was shown, drawn on the "Recording" canvas, and the two pointers drawn on a
// canvas laid over it: the picture stays exactly as sent, since patches are drawn over it.
import { drawPiece, runsImage, sizedPieces } from "../patches.js";

export class Picture {
  constructor(canvas, overlay) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.overlay = overlay;
  }

  clear() {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws a frame record's pieces (slices of the chunk's `blob`: JPEGs or runs) all at once. */
  async draw(blob, record) {
    const images = await Promise.all(record.pieces.map(async (p) => (p.runs
      ? runsImage(new Uint8Array(await blob.slice(p.start, p.end).arrayBuffer()), p.width, p.height)
      : createImageBitmap(blob.slice(p.start, p.end, "image/jpeg")))));
    // A whole frame is the customer's viewport (as the agent got it): it sets the size; one
    // captured small says the size it stands for, and is drawn stretched over it.
    const sized = sizedPieces(record.pieces, images);
    if (record.whole) this.resize(sized[0].width, sized[0].height);
    sized.forEach((p, i) => drawPiece(this.context, p, images[i]));
  }

  resize(width, height) {
    if (this.canvas.width === width && this.canvas.height === height) return;
    this.canvas.width = this.overlay.width = width;
    this.canvas.height = this.overlay.height = height;
  }
}

const POINTER_COLOURS = { agent: "#e8590c", customer: "#1f5eff" };
const POINTER_NAMES = { agent: "Agent", customer: "Customer" };

export class Pointers {
  constructor(overlay) {
    this.overlay = overlay;
    this.context = overlay.getContext("2d");
    this.reset();
  }

  reset() {
    this.at = {}; // side -> {x, y} in CSS pixels of the customer's viewport.
  }

  move(side, x, y) {
    if (POINTER_NAMES[side]) this.at[side] = { x, y };
  }

  hide(side) {
    delete this.at[side];
  }

  /** Redraws the pointers; `view` is the customer's viewport, whose CSS pixels they are in. */
  draw(view) {
    const { width, height } = this.overlay;
    this.context.clearRect(0, 0, width, height);
    const scale = view && view.width ? width / view.width : 1;
    for (const [side, point] of Object.entries(this.at)) {
      drawPointer(this.context, point.x * scale, point.y * scale, side);
    }
  }
}

function drawPointer(context, x, y, side) {
  context.save();
  context.fillStyle = POINTER_COLOURS[side];
  context.strokeStyle = "#fff";
  context.lineWidth = 2;
  context.beginPath(); // An arrow's head, its tip at the point.
  context.moveTo(x, y);
  context.lineTo(x, y + 18);
  context.lineTo(x + 5, y + 14);
  context.lineTo(x + 12, y + 13);
  context.closePath();
  context.stroke();
  context.fill();
  context.font = "600 12px system-ui, sans-serif";
  context.lineWidth = 3;
  context.strokeText(POINTER_NAMES[side], x + 12, y + 26);
  context.fillText(POINTER_NAMES[side], x + 12, y + 26);
  context.restore();
}
