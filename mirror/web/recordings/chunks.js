// Reads a recording chunk (mirror/recording/chunks.py): b"CBRC", a version byte, a header
// (uint32 length, then JSON), then records until the end: kind (uint8), time (float64 seconds),
// payload length (uint32), payload; all little-endian. The payloads stay in one Blob, so that
// each JPEG is decoded from a slice of it without copying.

import { framePieces } from "../patches.js";

export const KIND = { FRAME: 1, KEYFRAME: 2, EVENT: 3 };
const MAGIC = "CBRC";
const VERSION = 1;
const RECORD_HEAD = 13; // uint8 + float64 + uint32.

export class ChunkError extends Error {}

/** The chunk in `buffer` as {n, t0, size, blob, records}; throws ChunkError if it is not one. */
export function parseChunk(buffer) {
  const data = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (buffer.byteLength < 9 || magic !== MAGIC || bytes[4] !== VERSION) {
    throw new ChunkError("not a recording chunk (or of another version)");
  }
  const length = data.getUint32(5, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(9, 9 + length)));
  const records = [];
  for (let at = 9 + length; at < buffer.byteLength;) {
    if (at + RECORD_HEAD > buffer.byteLength) throw new ChunkError("a record is cut short");
    const kind = data.getUint8(at);
    // The index rounds times to the millisecond: so do the records, so that the two compare.
    const t = Math.round(data.getFloat64(at + 1, true) * 1000) / 1000;
    const size = data.getUint32(at + 9, true);
    const start = at + RECORD_HEAD;
    if (start + size > buffer.byteLength) throw new ChunkError("a record runs past the chunk's end");
    records.push(readRecord(kind, t, data, start, start + size));
    at = start + size;
  }
  return { n: header.n, t0: header.t0, size: buffer.byteLength, blob: new Blob([buffer]), records };
}

function readRecord(kind, t, data, start, end) {
  if (!Object.values(KIND).includes(kind)) return { kind, t }; // A later version's: left out.
  if (kind === KIND.EVENT) {
    const event = JSON.parse(new TextDecoder().decode(new Uint8Array(data.buffer, start, end - start)));
    return { kind, t, event };
  }
  try {
    return { kind, t, ...framePieces(data, start, end) };
  } catch (error) {
    throw new ChunkError(error.message);
  }
}

/** A record after which the whole picture is known: a keyframe or a whole frame sent. */
export function startsPicture(record) {
  return Boolean(record.pieces && record.whole);
}
