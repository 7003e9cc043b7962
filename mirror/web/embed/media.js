// Videos as pictures: the render page never loads or plays the customer's media (render/media.js), so
// the picture a video shows now is taken here, drawn on a canvas, and sent as a custom event,
// at most a few times a second and only when it changed (a paused video costs nothing). The
// canvas budget of [capture] counts these bytes too (see capture.js). A video still showing its
// poster sends nothing: the render page shows the same poster.
import { EventType } from "@rrweb/types";
import { canvasBlob, dataUrl, pictureCanvas } from "./pictures.js";

export const MEDIA_TAG = "cobrowse-media";
const MAX_FPS = 2;

/** What the video shows now: its poster (nothing to send), or a frame that can be drawn. */
function showsFrame(video) {
  if (video.readyState < 2 || !video.videoWidth || !video.videoHeight) return false;
  const posterShown = video.poster && video.played.length === 0 && video.currentTime === 0 && !video.seeking;
  return !posterShown;
}

export class MediaPictures {
  /**
   * @param {(id: number, url: string) => void} send
   * @param {(element: Element) => number} idOf rrweb's node id (-1 when not captured)
   * @param {import('./policy.js').Policy} policy
   * @param {{canvas_fps: number, canvas_quality: number}} budget
   * @param {() => (Document|ShadowRoot)[]} roots the page's document, open shadow roots and
   *   same-origin frame documents (kept by marks.js as the page changes)
   */
  constructor(send, idOf, policy, budget, roots = () => [document]) {
    this.send = send;
    this.idOf = idOf;
    this.policy = policy;
    this.quality = budget.canvas_quality;
    this.interval = 1000 / Math.max(0.1, Math.min(MAX_FPS, budget.canvas_fps));
    this.videos = document.getElementsByTagName("video"); // Live, and cheap to read when empty.
    this.roots = roots;
    this.shown = new WeakMap(); // video -> "time:width:height" of the picture last sent
    this.timer = 0;
    this.busy = false;
  }

  start() {
    if (!this.timer) this.timer = setInterval(() => this.tick(), this.interval);
    this.tick();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
    this.reset();
  }

  /** After a full snapshot the render page has new nodes: every picture goes again. */
  reset() {
    this.shown = new WeakMap();
  }

  /** The page's videos, inside components and frames too. */
  allVideos() {
    const videos = [...this.videos];
    for (const root of this.roots()) {
      if (root !== document) videos.push(...root.querySelectorAll("video"));
    }
    return videos;
  }

  async tick() {
    if (this.busy) return;
    const videos = this.allVideos();
    if (!videos.length) return;
    this.busy = true;
    try {
      for (const video of videos) await this.picture(video);
    } catch {
      // Never into the host page.
    } finally {
      this.busy = false;
    }
  }

  async picture(video) {
    // A hidden or blocked video's pictures are private like a field's value.
    if (!video.isConnected || this.policy.isHidden(video) || this.policy.isBlocked(video)) return;
    if (!showsFrame(video)) return;
    const state = `${video.currentTime}:${video.videoWidth}:${video.videoHeight}`;
    if (this.shown.get(video) === state) return;
    const id = this.idOf(video);
    if (!(id > 0)) return;
    this.shown.set(video, state);
    const canvas = pictureCanvas(video.videoWidth, video.videoHeight);
    canvas.getContext("2d").drawImage(video, 0, 0);
    let blob;
    try {
      // Encoded off the main thread; a video from another origin without CORS taints the
      // canvas and throws here: the render page then shows the poster or an empty box.
      blob = await canvasBlob(canvas, "image/webp", this.quality);
    } catch {
      return;
    }
    this.send(id, await dataUrl(blob));
  }
}

/** Whether a custom event is a video's picture (the canvas budget counts it too). */
export function isMediaPicture(event) {
  return event.type === EventType.Custom && event.data && event.data.tag === MEDIA_TAG;
}
