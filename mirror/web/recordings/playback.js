// Shows the recording at any position: from the latest whole picture at or before it, the
// records up to it in order. Playing moves the position on with the clock and applies the
// records it passes; a jump back (or past the next whole picture) starts from a whole picture.
import { KIND, startsPicture } from "./chunks.js";
import { SLACK } from "./timeline.js";

const AHEAD = 8; // Chunks fetched at once, in parallel, when a jump needs several.
const MAX_STEP_S = 0.25;

export class Playback {
  constructor(timeline, cache, picture, pointers) {
    Object.assign(this, { timeline, cache, picture, pointers });
    this.position = 0;
    this.speed = 1;
    this.playing = false;
    this.waiting = false; // A chunk the position needs is on its way: the clock waits.
    this.cursor = null; // The next record to apply, and what has been applied.
    this.version = 0; // Bumped by each new position: older work stops between two records.
    this.shownVersion = -1;
    this.running = false;
    this.runs = 0;
    this.onChange = () => {};
    this.onShown = () => {}; // The picture shows this.position (tests and the benchmark wait on it).
  }

  seek(t) {
    this.position = Math.min(Math.max(t, 0), this.timeline.duration);
    this.show();
  }

  play() {
    if (this.playing) return;
    if (this.position >= this.timeline.duration) this.position = 0; // Again from the start.
    this.playing = true;
    this.onChange();
    const run = ++this.runs; // A Pause and a Play between two frames leave one loop running.
    let last = performance.now();
    const tick = (now) => {
      if (!this.playing || run !== this.runs) return;
      // At most MAX_STEP_S a frame: a tab hidden for a while goes on where it was.
      this.step(Math.min(Math.max(now - last, 0) / 1000, MAX_STEP_S));
      last = now;
      if (this.playing) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  // One frame of playing: the clock's `elapsed` seconds times the speed, unless waiting.
  step(elapsed) {
    const { duration } = this.timeline;
    if (!this.waiting) this.position = Math.min(this.position + elapsed * this.speed, duration);
    if (this.position >= duration) this.playing = false;
    this.show();
  }

  pause() {
    this.playing = false;
    this.onChange();
  }

  // Brings the picture to this.position; a later call takes over from an earlier one.
  async show() {
    this.version++;
    this.onChange();
    if (this.running) return;
    this.running = true;
    try {
      while (this.shownVersion !== this.version) {
        const version = this.version;
        if (await this.advanceTo(this.position, version)) {
          this.shownVersion = version;
          if (version === this.version) this.onShown(this.position);
        }
      }
    } finally {
      this.running = false;
    }
  }

  // Applies the records up to `t`; false when a newer position came meanwhile.
  async advanceTo(t, version) {
    const key = this.timeline.keyframeBefore(t);
    if (this.needsRestart(t, key)) this.restart(key, t);
    const cursor = this.cursor;
    const chunks = this.timeline.chunks;
    while (cursor.pos < chunks.length && chunks[cursor.pos].t0 <= t + SLACK) {
      const chunk = await this.load(cursor.pos);
      if (version !== this.version || !(await this.applyChunk(chunk, t, version))) return false;
      if (cursor.i < chunk.records.length) break;
      cursor.pos++;
      cursor.i = 0;
    }
    cursor.shown = Math.max(cursor.shown, t);
    this.pointers.draw(this.timeline.viewAt(t));
    if (this.playing) this.prefetch(cursor.pos, cursor.pos + 1);
    return true;
  }

  // Going back, or past a whole picture not yet reached, starts again from the latest one.
  needsRestart(t, key) {
    const cursor = this.cursor;
    if (!cursor || t + SLACK < cursor.shown) return true;
    return Boolean(key) && key.t > cursor.shown && key.t !== cursor.keyT;
  }

  restart(key, t) {
    const pos = key ? key.pos : Math.max(this.timeline.chunkAt(t), 0);
    // keyT: frames before the whole picture are not drawn; with none yet, none is.
    this.cursor = { pos, i: 0, keyT: key ? key.t : Infinity, drawing: false, shown: -Infinity };
    this.pointers.reset();
    if (!key) this.picture.clear();
    this.prefetch(pos, Math.min(this.timeline.chunkAt(t), pos + AHEAD - 1));
  }

  prefetch(first, last) {
    const chunks = this.timeline.chunks;
    for (let pos = first; pos <= last && pos < chunks.length; pos++) this.cache.prefetch(chunks[pos].n);
  }

  async applyChunk(chunk, t, version) {
    const cursor = this.cursor;
    while (cursor.i < chunk.records.length && chunk.records[cursor.i].t <= t + SLACK) {
      const record = chunk.records[cursor.i];
      await this.apply(chunk, record);
      cursor.i++;
      cursor.shown = Math.max(cursor.shown, record.t);
      if (version !== this.version) return false;
    }
    return true;
  }

  async apply(chunk, record) {
    if (record.kind === KIND.EVENT) return this.applyEvent(record.event);
    if (!record.pieces || record.t < this.cursor.keyT - SLACK) return;
    // Patches need the picture they were made against: nothing is drawn before a whole one.
    if (!this.cursor.drawing && !startsPicture(record)) return;
    this.cursor.drawing = true;
    try {
      await this.picture.draw(chunk.blob, record);
    } catch (error) {
      console.warn(`The frame at ${record.t} s could not be drawn.`, error);
    }
  }

  applyEvent(event) {
    if (event.type === "pointer") this.pointers.move(event.side, event.x, event.y);
    else if (event.type === "agent_left") this.pointers.hide("agent");
  }

  // A chunk not yet here stops the clock until it is (see play).
  async load(pos) {
    const n = this.timeline.chunks[pos].n;
    if (this.cache.has(n)) return this.cache.get(n);
    this.waiting = true;
    this.onChange();
    try {
      return await this.cache.get(n);
    } finally {
      this.waiting = false;
      this.onChange();
    }
  }
}
