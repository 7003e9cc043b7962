// Whether the rebuilt page rests: nothing on it paints by itself. The server stops capturing a
// page at rest and wakes it for whatever it sends next (mirror/render/rest.py), so anything that
// would paint later without a word from the server keeps the page awake.
import { rootsDeep } from "../dom.js";

/** `doc` and the documents of the frames within it, through shadow roots. */
function documentsFrom(doc) {
  if (!doc || !doc.documentElement) return [];
  return [doc, ...rootsDeep(doc.documentElement).filter((root) => root.nodeType === Node.DOCUMENT_NODE)];
}

/** An animation or transition running (a spinner, a fade, one with a delay still to run). */
function animating(doc) {
  return doc.getAnimations().some((animation) => animation.playState === "running");
}

/** True when the render page (`doc`) and the rebuilt page in `stage` paint nothing by
 * themselves, and none of `painters` (the canvases', the frames' and the videos' pictures) has
 * work pending. */
export function quiet(doc, stage, painters) {
  if (painters.some((painter) => painter.scheduled || painter.decoding > 0)) return false;
  const docs = [...documentsFrom(doc), ...documentsFrom(stage)];
  return !docs.some((each) => animating(each) || (each.fonts && each.fonts.status === "loading"));
}
