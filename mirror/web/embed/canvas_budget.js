// The byte budget of canvas and video pictures (the server's [capture] canvas_bytes_per_s).
import { isMediaPicture } from "./media.js";

/** Canvas pictures within a byte budget per second: past it, each canvas keeps only its newest
 * picture, sent when the budget allows again (the view shows older pictures meanwhile). */
export class CanvasBudget {
  constructor(bytesPerSecond, release) {
    this.capacity = bytesPerSecond;
    this.tokens = bytesPerSecond;
    this.last = performance.now();
    this.release = release;
    this.held = new Map(); // canvas node id -> newest picture event not sent yet
    this.timer = 0;
  }

  /** The canvas (or video) a picture is of: a newer picture of it replaces a held one. */
  key(event) {
    return isMediaPicture(event) ? `media:${event.data.payload.id}` : event.data.id;
  }

  size(event) {
    try {
      if (isMediaPicture(event)) return event.data.payload.url.length;
      return event.data.commands[1].args[0].args[0].data[0].base64.length;
    } catch {
      return 0;
    }
  }

  refill() {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.capacity);
    this.last = now;
  }

  /** Whether to send `event` now; if not, it is held (replacing an older picture). */
  admit(event) {
    this.refill();
    const size = this.size(event);
    if (!this.held.size && size <= this.tokens) {
      this.tokens -= size;
      return true;
    }
    this.held.set(this.key(event), event);
    if (!this.timer) this.timer = setTimeout(() => this.drain(), 250);
    return false;
  }

  drain() {
    this.timer = 0;
    this.refill();
    for (const [id, event] of this.held) {
      const size = this.size(event);
      // One picture larger than the whole budget still goes, alone, when the budget is full.
      if (size > this.tokens && this.tokens < this.capacity) break;
      this.tokens -= size;
      this.held.delete(id);
      this.release(event);
    }
    if (this.held.size) this.timer = setTimeout(() => this.drain(), 250);
  }

  clear() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.held.clear();
  }
}
