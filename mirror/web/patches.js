// A frame message of the agent's socket (mirror/frames/patches.py) is a whole JPEG, a frame
// captured small (b"S", the width and height to show it at as uint16, then its JPEG, drawn
// stretched over that size) or a patch of the last picture: b"P", a count (uint16), then per
// rectangle x, y, width, height (uint16) and its picture's length (uint32), little-endian, each
// followed by the picture to draw at (x, y): a JPEG, or runs of one colour (mirror/frames/runs.py:
// b"R", then per run the pixels less one as uint16 and their red, green and blue). The agent's
// page draws them live; the playback page reads them out of a recording's chunks.

export const PATCH = 0x50;
export const SCALED = 0x53;
export const RUNS = 0x52;
const RUN = 5;
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
 * start and end bound each rectangle's picture in the same buffer; runs also say so, with the
 * rectangle's width and height. */
export function patchPieces(data, start, end) {
  const count = data.getUint16(start + 1, true);
  const pieces = [];
  let at = start + 3;
  for (let i = 0; i < count; i++) {
    if (at + RECT > end) throw new PatchError("a patch is cut short");
    const x = data.getUint16(at, true);
    const y = data.getUint16(at + 2, true);
    const width = data.getUint16(at + 4, true);
    const height = data.getUint16(at + 6, true);
    const length = data.getUint32(at + 8, true);
    at += RECT;
    if (length && at < end && data.getUint8(at) === RUNS) {
      pieces.push({ x, y, width, height, runs: true, start: at, end: at + length });
    } else {
      pieces.push({ x, y, start: at, end: at + length });
    }
    at += length;
  }
  if (at !== end) throw new PatchError("a patch's length does not match its rectangles");
  return pieces;
}

/** A piece's runs (its bytes, from the mark on) as the ImageData of its width and height. */
export function runsImage(bytes, width, height) {
  if (!width || !height || (bytes.length - 1) % RUN) throw new PatchError("runs of no rectangle");
  const image = new ImageData(width, height);
  const pixels = new Uint32Array(image.data.buffer); // Little-endian: red low, alpha high.
  let filled = 0;
  for (let at = 1; at < bytes.length; at += RUN) {
    const count = (bytes[at] | (bytes[at + 1] << 8)) + 1;
    if (filled + count > pixels.length) throw new PatchError("runs overflow their rectangle");
    const colour = (0xff000000 | (bytes[at + 4] << 16) | (bytes[at + 3] << 8) | bytes[at + 2]) >>> 0;
    pixels.fill(colour, filled, filled + count);
    filled += count;
  }
  if (filled !== pixels.length) throw new PatchError("runs that do not fill their rectangle");
  return image;
}

/** Each piece with the size to draw it at: the one it says (a frame captured small, runs), else
 * its decoded bitmap's own. */
export function sizedPieces(pieces, bitmaps) {
  return pieces.map((p, i) => ({
    ...p,
    width: p.width || bitmaps[i].width,
    height: p.height || bitmaps[i].height,
  }));
}

/** A sized piece drawn at its place: runs as their pixels, a bitmap (then closed) over the
 * piece's size. */
export function drawPiece(context, piece, image) {
  if (piece.runs) {
    context.putImageData(image, piece.x, piece.y);
    return;
  }
  context.drawImage(image, piece.x, piece.y, piece.width, piece.height);
  image.close();
}
