// Audio and video in the render page: never loaded, never played. Their sources are dropped before
// the replayer sees them (so nothing plays, nothing is fetched, and a video shows its poster as
// on a customer's page that has not played it), rrweb's media interactions are not replayed,
// and a video that has played shows the picture the capture took of its current frame
// (embed/media.js), as CSS `content`, like a canvas's picture (see canvas.js).
import { EventType, IncrementalSource } from "@rrweb/types";

export const MEDIA_TAG = "cobrowse-media"; // embed/media.js
const MEDIA_TAGS = new Set(["video", "audio"]);
const PICTURE = /^data:image\/(webp|png|jpeg);base64,[A-Za-z0-9+/=]+$/;
const MAX_URL = 8 * 1024 * 1024;
// Attributes that would load or play media, or seek it (which hides the poster).
const DROPPED = ["src", "autoplay", "rr_mediaState", "rr_mediaCurrentTime", "rr_mediaPlaybackRate"];

/** Style rules for the rebuilt page. Without scripting a media element always shows its
 * controls (HTML: "if scripting is disabled ... expose a user interface"); the customer's
 * page shows them only with the controls attribute. */
export const MEDIA_RULES = [
  "video:not([controls])::-webkit-media-controls { display: none !important; }",
  "audio:not([controls]) { display: none !important; }",
];

export function isMediaInteraction(event) {
  return event.type === EventType.IncrementalSnapshot && event.data
    && event.data.source === IncrementalSource.MediaInteraction;
}

export function isMediaPicture(event) {
  return event.type === EventType.Custom && event.data && event.data.tag === MEDIA_TAG
    && event.data.payload && typeof event.data.payload === "object";
}

function quiet(node, parentTag) {
  if (!node || typeof node !== "object") return;
  const tag = node.tagName;
  if (node.attributes && (MEDIA_TAGS.has(tag) || (tag === "source" && MEDIA_TAGS.has(parentTag)))) {
    for (const name of DROPPED) delete node.attributes[name];
  }
  if (Array.isArray(node.childNodes)) node.childNodes.forEach((child) => quiet(child, tag));
}

/** Remove, in place, what would load or play media from a captured event (before replay). */
export function quietMedia(event, getNode) {
  if (event.type === EventType.FullSnapshot) quiet(event.data && event.data.node, "");
  else if (event.type === EventType.IncrementalSnapshot && event.data
    && event.data.source === IncrementalSource.Mutation) {
    const added = new Map(); // id -> tag of the nodes this mutation adds
    const note = (node) => {
      if (!node || typeof node !== "object") return;
      if (Number.isInteger(node.id) && node.tagName) added.set(node.id, node.tagName);
      if (Array.isArray(node.childNodes)) node.childNodes.forEach(note);
    };
    for (const add of event.data.adds || []) {
      note(add.node);
      const parent = getNode(add.parentId);
      quiet(add.node, parent && parent.tagName ? parent.tagName.toLowerCase() : added.get(add.parentId) || "");
    }
    for (const change of event.data.attributes || []) {
      const node = getNode(change.id);
      const tag = node && node.tagName ? node.tagName.toLowerCase() : added.get(change.id) || "";
      if ((MEDIA_TAGS.has(tag) || tag === "source") && change.attributes) {
        for (const name of DROPPED) delete change.attributes[name];
      }
    }
  }
}

/** Shows the newest picture of each video that has played. */
export class MediaPictures {
  constructor(getNode) {
    this.getNode = getNode;
    this.pictures = new Map(); // video node id -> picture url
    this.scheduled = false;
  }

  note(event) {
    if (event.type === EventType.FullSnapshot) this.pictures.clear(); // New node ids.
  }

  add(event) {
    const { id, url } = event.data.payload;
    if (!Number.isInteger(id) || typeof url !== "string" || url.length > MAX_URL || !PICTURE.test(url)) return;
    this.pictures.set(id, url);
    this.schedule();
  }

  schedule() {
    if (this.scheduled || !this.pictures.size) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.refresh();
    });
  }

  refresh() {
    for (const [id, url] of this.pictures) {
      const video = this.getNode(id);
      if (!video || video.tagName !== "VIDEO") continue;
      const value = `url("${url}")`;
      if (video.style.getPropertyValue("content") !== value) video.style.setProperty("content", value, "important");
    }
  }
}
