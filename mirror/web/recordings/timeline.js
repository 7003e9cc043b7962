// The recording's index (GET /api/recordings/{uuid}): where its chunks, whole pictures and
// events are in time, so that playback fetches only the chunks it needs.

// Times in the index and in the chunks are rounded to the millisecond, by Python and by
// JavaScript: a record this close past the position counts as reached.
export const SLACK = 0.002;

export class Timeline {
  constructor(index) {
    this.index = index;
    this.chunks = index.chunks;
    const last = this.chunks[this.chunks.length - 1];
    // A recording still going on has no duration yet: its chunks say how far it goes.
    this.duration = Math.max(index.duration || 0, last ? last.t1 : 0);
    this.events = this.chunks.flatMap((chunk) => chunk.events);
    this.views = this.events.filter((e) => e.type === "view");
  }

  /** The position (in this.chunks) of the last chunk that starts at or before `t`, or -1. */
  chunkAt(t) {
    return lastAtOrBefore(this.chunks, t, (chunk) => chunk.t0);
  }

  /** The latest whole picture at or before `t`, as {pos, t}, or null when there is none. */
  keyframeBefore(t) {
    for (let pos = this.chunkAt(t); pos >= 0; pos--) {
      const times = this.chunks[pos].keyframes.filter((k) => k <= t + SLACK);
      if (times.length) return { pos, t: times[times.length - 1] };
    }
    return null;
  }

  /** When the first whole picture comes (a recording starts at the join, a moment before it). */
  firstPicture() {
    const chunk = this.chunks.find((c) => c.keyframes.length);
    return chunk ? chunk.keyframes[0] : 0;
  }

  /** The customer's viewport at `t` (CSS pixels), from the latest view event, or null. */
  viewAt(t) {
    return this.views[lastAtOrBefore(this.views, t)] || null;
  }

  /** The index in this.events of the last event at or before `t`, or -1. */
  lastEventAt(t) {
    return lastAtOrBefore(this.events, t);
  }

  gapAt(t) {
    return (this.index.gaps || []).find((gap) => gap.from <= t && t < gap.to) || null;
  }
}

// The index of the last item whose time is at or before `t` (items in time order), or -1.
function lastAtOrBefore(items, t, time = (item) => item.t) {
  let low = 0;
  let high = items.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (time(items[middle]) <= t + SLACK) low = middle + 1;
    else high = middle - 1;
  }
  return high;
}
