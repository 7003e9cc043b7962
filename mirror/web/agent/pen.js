// The agent's pointing tools on the view: with the laser pointer every move draws, with the
// highlighter a drag does. Points go to the server in pieces (the customer's CSS pixels), at most
// one message per PIECE_MS; while a tool is on, the agent's pointer and clicks are not actions.
import { msg } from "../messages.js";

const PIECE_MS = 40;
const MAX_POINTS = 64; // The server's bound on a piece.

/** Where a pointer event falls on the view, in the customer's CSS pixels (any zoom). */
function viewPoint(view, event) {
  const rect = view.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * view.width) / rect.width;
  const y = ((event.clientY - rect.top) * view.height) / rect.height;
  return [Math.max(0, Math.round(x)), Math.max(0, Math.round(y))];
}

export class Pen {
  /** @param {HTMLCanvasElement} view @param {(message: object) => void} send */
  constructor(view, send) {
    this.view = view;
    this.send = send;
    this.tool = null; // null, "laser" or "highlight".
    this.points = [];
    this.timer = 0;
    view.addEventListener("pointermove", (e) => {
      if (this.tool === "laser" || (this.tool === "highlight" && e.buttons & 1)) this.note(e);
    });
    view.addEventListener("pointerdown", (e) => { if (this.tool === "highlight") this.note(e); });
  }

  note(event) {
    this.points.push(viewPoint(this.view, event));
    if (this.points.length >= MAX_POINTS) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), PIECE_MS);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.points.length && this.tool) this.send(msg.draw(this.tool, this.points));
    this.points = [];
  }
}
