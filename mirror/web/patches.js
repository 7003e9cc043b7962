// A frame message of the agent's socket (mirror/frames/patches.py) is a whole JPEG, a frame
// captured small (b"S", the width and height to show it at as uint16, then its JPEG, drawn
// stretched over that size) or a patch of the last picture: b"P", a count (uint16), then per
// rectangle x, y, width, height (uint16) and its JPEG's length (uint32), little-endian, each
// followed by the JPEG to draw at (x, y). The agent's page draws them live; the playback page
// reads them out of a recording's chunks.

export const PATCH = 0x50;
export const SCALED = 0x53;
const RECT = 12;
const SIZE = 5;

export class PatchError extends Error {}

/** The pieces of the frame message in `data` from `start` to `end`: {whole, pieces: [{x, y,
 * width, height, start, end}]}, where start and end bound each piece's JPEG in the same buffer
 * and width and height, when given, are the size to draw it at (else its own). */
export function framePieces(data, start, end) {
  const kind = data.getUint8(start);
  if (kind === PATCH) return { whole: false, pieces: patchPieces(data, start, end) };
  if (kind !== SCALED) return { whole: true, pieces: [{ x: 0, y: 0, start, end }] };
  if (start + SIZE > end) throw new PatchError("a scaled frame is cut short");
  const width = data.getUint16(start + 1, true);
  const height = data.getUint16(start + 3, true);
  return { whole: true, pieces: [{ x: 0, y: 0, width, height, start: start + SIZE, end }] };
}

/** The rectangles of the patch in `data` from `start` to `end`: [{x, y, start, end}], where
 * start and end bound each rectangle's JPEG in the same buffer. */
export function patchPieces(data, start, end) {
  const count = data.getUint16(start + 1, true);
  const pieces = [];
  let at = start + 3;
  for (let i = 0; i < count; i++) {
    if (at + RECT > end) throw new PatchError("a patch is cut short");
    const x = data.getUint16(at, true);
    const y = data.getUint16(at + 2, true);
    const length = data.getUint32(at + 8, true);
    at += RECT;
    pieces.push({ x, y, start: at, end: at + length });
    at += length;
  }
  if (at !== end) throw new PatchError("a patch's length does not match its rectangles");
  return pieces;
}

/** Each piece with the size to draw it at: the one it says (a frame captured small), else its
 * decoded bitmap's own. */
export function sizedPieces(pieces, bitmaps) {
  return pieces.map((p, i) => ({
    ...p,
    width: p.width || bitmaps[i].width,
    height: p.height || bitmaps[i].height,
  }));
}
