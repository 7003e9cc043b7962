// The chunks fetched so far, the most recently used kept up to a budget: a one-hour recording
// has about 1200 chunks, and playback needs only those from the last keyframe on.
import { parseChunk } from "./chunks.js";

const MAX_BYTES = 64 << 20;
const MAX_CHUNKS = 40;

export class ChunkCache {
  /** `url(n)` is where chunk n is fetched from; `onFailed(n, why)` hears of one that fails. */
  constructor(url, onFailed) {
    this.url = url;
    this.onFailed = onFailed;
    this.entries = new Map(); // n -> {promise, chunk}, oldest use first.
  }

  has(n) {
    return Boolean(this.entries.get(n)?.chunk);
  }

  /** Chunk n, parsed; a chunk that cannot be fetched or read comes back with no records. */
  get(n) {
    let entry = this.entries.get(n);
    if (entry) this.entries.delete(n); // Re-inserted below: now the most recently used.
    else entry = this.fetch(n);
    this.entries.set(n, entry);
    return entry.promise;
  }

  prefetch(n) {
    if (!this.entries.has(n)) this.get(n);
  }

  fetch(n) {
    const entry = { chunk: null, promise: null };
    entry.promise = this.load(n).then((chunk) => {
      entry.chunk = chunk;
      this.trim();
      return chunk;
    });
    return entry;
  }

  async load(n) {
    try {
      const response = await fetch(this.url(n), { credentials: "same-origin" });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      return parseChunk(await response.arrayBuffer());
    } catch (error) {
      this.onFailed(n, error.message);
      // Kept as an empty chunk: playback goes on past it, and does not ask again.
      return { n, size: 0, blob: new Blob([]), records: [] };
    }
  }

  // Drops the least recently used chunks over the budget; those still being fetched stay.
  trim() {
    let bytes = 0;
    for (const entry of this.entries.values()) bytes += entry.chunk ? entry.chunk.size : 0;
    for (const [n, entry] of this.entries) {
      if (bytes <= MAX_BYTES && this.entries.size <= MAX_CHUNKS) break;
      if (!entry.chunk || this.entries.size <= 2) continue;
      this.entries.delete(n);
      bytes -= entry.chunk.size;
    }
  }
}
