// Canvas content in the render page: images only. The capture sends each canvas, when it changes, as
// one encoded picture (rrweb record's `sampling.canvas` snapshots: clearRect + drawImage of an
// ImageBitmap made from a Blob; `rr_dataURL` in snapshots). rrweb's own canvas replay
// (UNSAFE_replayCanvas) would run any recorded drawing call and lets scripts run in the rebuilt
// page, so the render page never enables it.
//
// The rebuilt page runs without scripting, and a canvas without scripting is not a replaced
// element: it shows neither a bitmap nor its intrinsic size (HTML: "when scripting is disabled,
// the canvas represents its fallback content"). So each canvas gets CSS `content: url(picture)`,
// which makes it a replaced element again, sized by the picture exactly as a canvas is by its
// bitmap (https://drafts.csswg.org/css-content/#content-property). Before a picture arrives, an
// empty SVG of the canvas's width x height keeps the layout.
import { EventType, IncrementalSource } from "@rrweb/types";

const ATTRIBUTE_PICTURE = /^data:image\/(png|webp|jpeg);base64,[A-Za-z0-9+/=]+$/;
const IMAGE_TYPES = new Set(["image/webp", "image/png", "image/jpeg"]);
const MAX_BASE64 = 8 * 1024 * 1024;

/** True for a captured canvas event (handled here, never given to the replayer). */
export function isCanvasEvent(event) {
  return event.type === EventType.IncrementalSnapshot && event.data
    && event.data.source === IncrementalSource.CanvasMutation;
}

/** The picture in a snapshot-shaped canvas event as {id, url}, or null for anything else. */
export function pictureOf(event) {
  const data = event.data;
  const commands = Array.isArray(data.commands) ? data.commands : null;
  if (!Number.isInteger(data.id) || !commands || commands.length !== 2) return null;
  const [clear, draw] = commands;
  if (!clear || clear.property !== "clearRect" || !draw || draw.property !== "drawImage") return null;
  const bitmap = Array.isArray(draw.args) ? draw.args[0] : null;
  const blob = bitmap && bitmap.rr_type === "ImageBitmap" && Array.isArray(bitmap.args) ? bitmap.args[0] : null;
  const buffer = blob && blob.rr_type === "Blob" && Array.isArray(blob.data) ? blob.data[0] : null;
  if (!buffer || buffer.rr_type !== "ArrayBuffer" || typeof buffer.base64 !== "string") return null;
  if (!IMAGE_TYPES.has(blob.type) || buffer.base64.length > MAX_BASE64) return null;
  const url = `data:${blob.type};base64,${buffer.base64}`;
  return ATTRIBUTE_PICTURE.test(url) ? { id: data.id, url } : null;
}

function blankPicture(width, height) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** Shows the newest picture of each canvas in the rebuilt page. */
export class CanvasPainter {
  constructor(getNode) {
    this.getNode = getNode; // rrweb node id -> node of the rebuilt page
    this.ids = new Set(); // every canvas of the captured page
    this.pictures = new Map(); // id -> {url, width, height}
    this.turns = new Map(); // id -> number of its newest picture (decoding is asynchronous)
    this.shown = new WeakMap(); // canvas -> the content url it was given
    this.scheduled = false;
    this.decoding = 0; // Pictures being decoded: the page paints once they are (render/quiet.js).
  }

  /** Note the canvases (and their snapshot pictures) in a full snapshot or a mutation. */
  note(event) {
    if (event.type === EventType.FullSnapshot) {
      this.ids.clear();
      this.pictures.clear();
      this.walk(event.data && event.data.node);
    } else if (event.type === EventType.IncrementalSnapshot && event.data
      && event.data.source === IncrementalSource.Mutation) {
      (event.data.adds || []).forEach((add) => this.walk(add.node));
    }
  }

  walk(node) {
    if (!node || typeof node !== "object") return;
    if (node.tagName === "canvas" && Number.isInteger(node.id)) {
      this.ids.add(node.id);
      const url = node.attributes && node.attributes.rr_dataURL;
      if (typeof url === "string" && ATTRIBUTE_PICTURE.test(url)) this.accept(node.id, url);
    }
    if (Array.isArray(node.childNodes)) node.childNodes.forEach((child) => this.walk(child));
  }

  /** A canvas event from the capture: its picture, if it is one; anything else is dropped. */
  add(event) {
    const picture = pictureOf(event);
    if (picture) this.accept(picture.id, picture.url);
  }

  async accept(id, url) {
    const turn = (this.turns.get(id) || 0) + 1;
    this.turns.set(id, turn);
    // Decoded before it is shown, so swapping pictures never flashes an empty canvas.
    const image = new Image();
    image.src = url;
    this.decoding += 1;
    try {
      await image.decode();
    } catch {
      return; // Not an image after all.
    } finally {
      this.decoding -= 1;
    }
    if (this.turns.get(id) !== turn) return;
    this.ids.add(id);
    this.pictures.set(id, { url, width: image.naturalWidth, height: image.naturalHeight });
    this.schedule();
  }

  /** Show pictures on the next frame (after the replayer has applied what it was given). */
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.refresh();
    });
  }

  refresh() {
    for (const id of this.ids) {
      const canvas = this.getNode(id);
      if (canvas && canvas.tagName === "CANVAS") this.show(canvas, this.pictures.get(id));
    }
  }

  show(canvas, picture) {
    // A picture of another size is stale (the canvas was resized, which clears it).
    const fits = picture && picture.width === canvas.width && picture.height === canvas.height;
    const url = fits ? picture.url : blankPicture(canvas.width, canvas.height);
    // The captured page may rewrite the style attribute, which drops the property.
    if (this.shown.get(canvas) === url && canvas.style.getPropertyValue("content")) return;
    canvas.style.setProperty("content", `url("${url}")`, "important");
    this.shown.set(canvas, url);
  }
}
