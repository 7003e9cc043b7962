// Capture of the customer's page with rrweb: a full snapshot, then incremental events, batched
// per task so a burst of mutations costs one message. Masked values are replaced here, before
// anything leaves the browser.
import { record } from "@rrweb/record";
import { EventType, IncrementalSource, MouseInteractions, NodeType } from "@rrweb/types";
import { isBroken, repairAdopted, repairStyleText } from "./stylesheets.js";
import { FOCUS_TAG, FocusReporter } from "./focus.js";
import { POPOVER_TAG, PopoverReporter } from "./popovers.js";
import { LayoutSizeWatcher, VISUAL_TAG, VisualViewportWatcher } from "./visual.js";
import { PointerSettler } from "./pointer.js";
import { MEDIA_TAG, MediaPictures, isMediaPicture } from "./media.js";
import { CanvasBudget } from "./canvas_budget.js";
import { anchorPointer, anchorScroll } from "./anchoring.js";
import { CanvasPictures, canvasPictureEvent, isCanvasPicture } from "./canvases.js";
import { DISPLAY_TAG, DisplayWatcher } from "./display.js";
import { isRefusedFrameMessage } from "./framegate.js";
import { SlicedSnapshot, addsEvent } from "./slices.js";
import { whenIdle } from "./tasks.js";
import { GENERIC_FAMILIES, fontMetrics, namedFontMetrics, pageFontNames, platform } from "../fonts.js";
import { HIDDEN_MASK, maskChange, maskElement, maskInput, maskText, maskTextChange, maskTextNode } from "./masking.js";

export const WIDGET_ATTR = "data-cobrowse-widget";
const POINTER_SOURCES = new Set([
  IncrementalSource.MouseMove, IncrementalSource.MouseInteraction, IncrementalSource.TouchMove,
]);
const FOCUS_CHANGES = new Set([MouseInteractions.Focus, MouseInteractions.Blur]);
// The server's [capture] budgets (mirror/config.py), with the same defaults.
export const DEFAULT_BUDGET = {
  canvas_fps: 10, canvas_quality: 0.8, canvas_bytes_per_s: 1_000_000, max_nodes: 100_000, iframe_load_timeout_s: 5,
};
// The tag of the custom rrweb event that tells the agent the view is partial.
export const NOTICE_TAG = "cobrowse-notice";
// The tag of the custom rrweb event after a snapshot's last slice (render/render.js).
const WHOLE_TAG = "cobrowse-whole";
// The tag of the custom rrweb event once what the customer sees is sent, before the last slice.
const SCREEN_TAG = "cobrowse-screen";
// The tag of the custom rrweb event with this browser's default fonts (../fonts.js).
const FONTS_TAG = "cobrowse-fonts";
let defaultFonts = null; // Measured once a page load.
const namedFonts = new Map(); // The page's named fonts, each measured once a page load.
let warmedUp = false; // See Capture.warmUp: once per page.
// This page load; with a snapshot's number, on its Meta event: the render page keeps what it saw
// hidden by rrweb's node ids, which only hold within one snapshot (slices.js numbers the nodes
// afresh each time; render/masks.js).
const PAGE_LOAD = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
// Every kind of field goes through maskInputFn, which keeps the value unless the element is hidden.
const MASK_EVERY_INPUT = Object.fromEntries(
  ["color", "date", "datetime-local", "email", "month", "number", "range", "search", "tel", "text",
   "time", "url", "week", "password", "textarea", "select"].map((k) => [k, true]),
);

/** Whether rrweb can take frames' events on this page (frames.js): only in the top page, where
 * its cross-origin mode emits itself (in a framed page it would post the page up to the parent). */
export function canTakeFrames() {
  return window.parent === window;
}

export class Capture {
  /**
   * @param {(events: object[]) => void} send
   * @param {import('./policy.js').Policy} policy
   * @param {() => boolean} replaying true while the agent's own action is being dispatched
   * @param {object} budget the server's [capture] budgets (DEFAULT_BUDGET's keys)
   * @param {{framed?: boolean, onSnapshot?: () => void, roots?: () => Node[]}} options
   *   `framed`: a frame's capture, posted to the co-browsed page (frames.js); `onSnapshot`:
   *   after each full snapshot; `roots`: the page's document, shadow roots and frame documents
   */
  constructor(send, policy, replaying = () => false, budget = {}, options = {}) {
    this.send = send;
    this.policy = policy;
    this.replaying = replaying;
    this.budget = { ...DEFAULT_BUDGET, ...(budget || {}) };
    this.framed = Boolean(options.framed);
    this.onSnapshot = options.onSnapshot || (() => {});
    this.canvases = new CanvasBudget(this.budget.canvas_bytes_per_s, (event) => this.enqueue(event, true));
    this.queue = [];
    this.flushScheduled = false;
    this.scrolledIds = new Set(); // Elements a snapshot found scrolled (elementsScrolled).
    // The flush runs as the next task through a message port: a setTimeout(0) made from a timer
    // callback nested five deep (a page's setInterval, from its fifth run on) waits 4 ms more,
    // which was most of the time between a change on the page and its message leaving.
    this.flushPort = new MessageChannel();
    this.flushPort.port1.onmessage = () => this.flush();
    this.stopRecording = null;
    this.snapshots = 0;
    this.slices = new SlicedSnapshot({
      mask: (sn, node, hiddenAbove, parentTag) => this.maskAdded(sn, hiddenAbove, parentTag),
      hidden: (element) => this.policy.isHidden(element),
      started: () => this.tellFonts(),
      send: (adds) => this.sendAdds(adds),
      screen: () => this.screenSent(),
      done: () => this.snapshotTaken(),
    });
    // A frame says where focus is inside it, never that there is none: the page says that.
    this.focus = new FocusReporter(
      (id, visible) => this.running && !(this.framed && id < 0) && record.addCustomEvent(FOCUS_TAG, { id, visible }),
      (element) => record.mirror.getId(element),
    );
    this.popovers = new PopoverReporter(
      (ids) => this.running && record.addCustomEvent(POPOVER_TAG, { open: ids }),
      (element) => record.mirror.getId(element),
    );
    this.visual = new VisualViewportWatcher((visual) => this.running && record.addCustomEvent(VISUAL_TAG, { visual }));
    this.layout = new LayoutSizeWatcher((size) => this.running && this.enqueue(resized(size)));
    this.pointer = new PointerSettler(
      (event) => this.running && this.enqueue(event),
      (element) => record.mirror.getId(element),
      replaying,
    );
    this.display = new DisplayWatcher((display) => this.running && record.addCustomEvent(DISPLAY_TAG, display));
    this.media = new MediaPictures(
      (id, url) => this.running && record.addCustomEvent(MEDIA_TAG, { id, url }),
      (element) => record.mirror.getId(element),
      policy,
      this.budget,
      options.roots,
    );
    this.pictures = new CanvasPictures(
      (id, picture) => this.running && this.enqueue(canvasPictureEvent(id, picture)),
      (element) => record.mirror.getId(element),
      policy,
      this.budget,
      options.roots,
    );
  }

  get running() {
    return this.stopRecording !== null;
  }

  /**
   * rrweb's first recording on a page makes a hidden iframe to read untainted DOM prototypes
   * (a synchronous new browsing context: 30 to 150 ms measured), on the join's path. Called
   * while the session waits for the agent, this pays it beforehand in idle time: a recording
   * of the page with its body blocked, stopped at once, whose events go nowhere.
   */
  warmUp() {
    if (warmedUp || this.running) return;
    whenIdle(() => {
      if (warmedUp || this.running) return;
      warmedUp = true;
      try {
        const stop = record({ emit: () => {}, blockSelector: "body", recordCanvas: false });
        if (stop) stop();
      } catch {
        // Never into the host page: the real recording pays the cost instead.
      }
    });
  }

  /** Start capturing (emits Meta + FullSnapshot, then the page in slices), or take a fresh
   * full snapshot if running. A browser that cannot (it lacks an API rrweb needs) gets no
   * exception: the agent is told. */
  snapshot() {
    try {
      this.takeSnapshot();
    } catch {
      this.cannotCapture();
    }
  }

  cannotCapture() {
    this.slices.cancel();
    if (this.framed) return; // The frame's page stays out of the view; the top page is shown.
    const notice = { tag: NOTICE_TAG, payload: { reason: "unsupported-browser" } };
    this.send([{ type: EventType.Custom, timestamp: Date.now(), data: notice }]);
  }

  takeSnapshot() {
    this.snapshots += 1;
    this.slices.arm();
    if (this.running) {
      record.takeFullSnapshot(true);
      return;
    }
    const budget = this.budget;
    // A page too large to capture whole is still captured, without canvas pictures, and the
    // agent is told the view is partial.
    const large = document.getElementsByTagName("*").length > budget.max_nodes;
    this.stopRecording = record({
      emit: (event) => this.enqueue(event),
      // Pointer positions every 20 ms, sent every 40 ms (rrweb's default batches are 500 ms).
      // Canvases: snapshots carry each one's picture (recordCanvas); later pictures come from
      // canvases.js. rrweb's canvas sampling is neither "all" (its default: drawing calls, which
      // never leave) nor a number (every canvas encoded on a timer, a finished drawing shown a
      // period late): with any other value rrweb records no canvas changes.
      sampling: { mousemove: 20, mousemoveCallback: 40, scroll: 40, canvas: "pictures-only" },
      recordCanvas: !large,
      dataURLOptions: { type: "image/webp", quality: budget.canvas_quality },
      iframeLoadTimeout: budget.iframe_load_timeout_s * 1000,
      // Frames of other origins that embed the script post their own capture (frames.js).
      recordCrossOriginIframes: !this.framed && canTakeFrames(),
      // Blocked elements (and the widget) leave as empty boxes of the same size.
      blockSelector: `[${WIDGET_ATTR}],${this.policy.blocked}`,
      maskInputOptions: MASK_EVERY_INPUT,
      maskInputFn: (text, element) => (this.policy.isHidden(element) ? HIDDEN_MASK : text),
      // Text of hidden elements (contenteditable, or whatever a site marks) never leaves either.
      maskTextSelector: this.policy.hidden,
      maskTextFn: maskText,
      inlineStylesheet: true,
      slimDOMOptions: { script: true, comment: true, headFavicon: true, headWhitespace: true },
    }) || null;
    if (large && this.running) record.addCustomEvent(NOTICE_TAG, { reason: "large-page" });
    if (!this.running) {
      this.cannotCapture();
      return;
    }
    document.addEventListener("load", this.frameLoaded, true);
    this.pointer.start();
    this.focus.start();
    this.popovers.start();
    if (!this.framed) {
      this.display.start();
      this.visual.start();
      this.layout.start();
    }
    if (!large) {
      // A page too large goes without pictures.
      this.media.start();
      this.pictures.start();
    }
  }

  /** The browser's default fonts and those the page names, and the platform that chose them,
   * before the snapshot's slices and in a task of its own (reading the page's fonts may have to
   * bring its styles up to date): the render page takes the same or the closest it has
   * (mirror/render/fonts.py), so the page's text wraps there as here. */
  tellFonts() {
    if (this.framed) return;
    try {
      defaultFonts = defaultFonts || fontMetrics(GENERIC_FAMILIES);
      const names = pageFontNames();
      const unmeasured = names.filter((name) => !namedFonts.has(name));
      for (const [name, figures] of Object.entries(namedFontMetrics(unmeasured))) namedFonts.set(name, figures);
      const named = Object.fromEntries(names.map((name) => [name, namedFonts.get(name)]));
      record.addCustomEvent(FONTS_TAG, { metrics: defaultFonts, named, platform: platform() });
    } catch {
      // Never into the host page: the mirror keeps its own fonts.
    }
  }

  /** What the customer sees is sent and more slices follow: the view can show it now, scrolled
   * as the customer's page is. */
  screenSent() {
    if (!this.running || this.framed) return;
    this.scrolled();
    record.addCustomEvent(SCREEN_TAG, {});
    this.elementsScrolled();
  }

  /** The last slice of a snapshot is sent: what refers to its nodes can follow. */
  snapshotTaken() {
    if (!this.running) return;
    this.focus.measure(true);
    this.popovers.measure(true);
    if (!this.framed) {
      this.display.measure();
      this.visual.measure(true);
    }
    this.media.reset();
    this.pictures.reset();
    this.scrolled();
    // A frame's snapshot is added to the page's, which the render page waits for.
    if (!this.framed) record.addCustomEvent(WHOLE_TAG, {});
    this.elementsScrolled();
    this.onSnapshot();
  }

  /** The elements the snapshot found scrolled, each as a scroll of its own, anchored like the
   * page's (scrolled): their offsets in the snapshot, which the render page sets at the tag
   * before, alone mean other places in the mirror's layout. */
  elementsScrolled() {
    const ids = this.framed ? [] : [...this.scrolledIds];
    this.scrolledIds.clear();
    for (const id of ids) {
      const element = record.mirror.getNode(id);
      // The page's own scrolling element is the page's scroll (scrolled).
      if (!element || element === element.ownerDocument.scrollingElement) continue;
      if (element.scrollLeft || element.scrollTop) this.sendScroll(id, element.scrollLeft, element.scrollTop);
    }
  }

  /** A slice of the snapshot (slices.js): its nodes are masked already. */
  sendAdds(adds) {
    if (!this.running) return;
    this.queue.push(addsEvent(adds));
    this.flush();
  }

  /** The page's scroll offset at a snapshot, as a scroll of its own: anchored like every later
   * scroll (anchorScroll), where the snapshot's offset alone means another place in the mirror's
   * layout. */
  scrolled() {
    const id = record.mirror.getId(document);
    if (this.framed || id <= 0 || (!window.scrollX && !window.scrollY)) return;
    this.sendScroll(id, window.scrollX, window.scrollY);
  }

  /** A scroll of node `id` to (x, y), anchored on its way out (enqueue). */
  sendScroll(id, x, y) {
    const data = { source: IncrementalSource.Scroll, id, x, y };
    this.enqueue({ type: EventType.IncrementalSnapshot, timestamp: Date.now(), data });
  }

  /** A same-origin frame moved to another page: rrweb sends the new document as a mutation,
   * which its live player does not always apply over the old one; a fresh full snapshot (a
   * frame's navigation is rare) always rebuilds it. Load events do not bubble: this listens in
   * the capture phase. */
  frameLoaded = (event) => {
    if (!this.running || !event.target || event.target.tagName !== "IFRAME") return;
    clearTimeout(this.frameTimer);
    this.frameTimer = setTimeout(() => this.running && this.snapshot(), 50);
  };

  stop() {
    this.slices.cancel();
    document.removeEventListener("load", this.frameLoaded, true);
    clearTimeout(this.frameTimer);
    this.pointer.stop();
    this.focus.stop();
    this.popovers.stop();
    this.media.stop();
    this.pictures.stop();
    this.display.stop();
    this.visual.stop();
    this.layout.stop();
    if (this.stopRecording) this.stopRecording();
    this.stopRecording = null;
    this.queue = [];
    this.canvases.clear();
  }

  enqueue(event, budgeted = false) {
    // A frame's capture that rrweb folds in, from a frame the page did not invite and approve.
    if (isRefusedFrameMessage((frame) => this.policy.isHidden(frame))) return;
    // The agent's own pointer events, replayed here, are not the customer's pointer: sending them
    // back would draw the customer's pointer where the agent clicked.
    const incremental = event.type === EventType.IncrementalSnapshot;
    if (incremental && POINTER_SOURCES.has(event.data.source) && this.replaying()) return;
    if (incremental && event.data.source === IncrementalSource.MouseInteraction && this.pointer.pointerless(event.data)) return;
    if (incremental && event.data.source === IncrementalSource.MouseMove) this.pointer.seen(event);
    if (incremental && (POINTER_SOURCES.has(event.data.source))) anchorPointer(event.data);
    if (incremental && event.data.source === IncrementalSource.Scroll) anchorScroll(event.data);
    // rrweb sees focus move inside frames and shadow roots, where the page's own focusin does not.
    if (incremental && event.data.source === IncrementalSource.MouseInteraction && FOCUS_CHANGES.has(event.data.type)) {
      this.focus.changed();
    }
    if (isMediaPicture(event) && !budgeted && !this.canvases.admit(event)) return;
    if (incremental && event.data.source === IncrementalSource.CanvasMutation) {
      if (!isCanvasPicture(event)) return; // Drawing calls never leave, whatever rrweb records.
      // A canvas inside a hidden element is private like a field: its pictures never leave.
      if (this.policy.isHidden(record.mirror.getNode(event.data.id))) return;
      if (!budgeted && !this.canvases.admit(event)) return;
    }
    if (!this.sanitize(event)) return;
    this.queue.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One message per task: rrweb emits a mutation burst synchronously.
    this.flushPort.port2.postMessage(null);
  }

  /**
   * In place, in one walk of the serialised nodes: hidden elements masked (masking.js), masked
   * canvases' snapshot pictures removed, videos' posters made absolute, stylesheet text rrweb
   * lost repaired (see stylesheets.js). The page's own objects are read through rrweb's node
   * ids while the event is fresh: rrweb emits synchronously. Returns false when the event must
   * not leave: an input event that would tell a hidden control's state, or masking that failed.
   */
  sanitize(event) {
    const nodeOf = (id) => record.mirror.getNode(id);
    try {
      if (event.type === EventType.FullSnapshot) {
        this.walk(event.data.node, false, "");
        // Its nodes follow in slices (slices.js): the render page shows it once they are all in.
        if (this.slices.busy) event.data.cobrowseSlices = true;
      }
      else if (event.type === EventType.Meta) {
        event.data.cobrowsePage = `${PAGE_LOAD}-${this.snapshots}`;
        if (!this.framed) this.layout.stamp(event.data);
        // The agent's status strip names the page; a site that hides its title keeps it.
        const title = document.querySelector("title");
        if (!this.framed && !(title && this.policy.isHidden(title))) event.data.title = document.title.slice(0, 200);
      }
      else if (event.type !== EventType.IncrementalSnapshot) return true;
      else if (event.data.source === IncrementalSource.ViewportResize) {
        if (!this.framed) this.layout.stamp(event.data);
      }
      else if (event.data.source === IncrementalSource.Mutation) {
        if (event.data.adds && event.data.adds.length) this.slices.noteAdds();
        this.maskAdds(event.data.adds || []);
        for (const change of event.data.attributes || []) {
          maskChange(change, nodeOf(change.id), this.policy);
          absolutePoster(change.id, change.attributes);
        }
        for (const change of event.data.texts || []) maskTextChange(change, nodeOf(change.id), this.policy);
      } else if (event.data.source === IncrementalSource.Input) {
        return maskInput(event.data, nodeOf(event.data.id), this.policy);
      } else if (event.data.source === IncrementalSource.AdoptedStyleSheet) {
        try {
          repairAdopted(event.data);
        } catch {
          // rrweb's rules stand.
        }
      }
      return true;
    } catch {
      return false; // Never into the host page, and nothing that may not be masked leaves.
    }
  }

  /** A mutation's added nodes, masked in place. rrweb adds a subtree node by node: an add
   * whose parent the same mutation adds takes the parent's state from its walk, and the page
   * is asked once per other parent (looking around an element costs a walk to the top). */
  maskAdds(adds) {
    const byId = new Map();
    for (const add of adds) if (add && add.node) byId.set(add.node.id, add);
    const walked = new Map(); // add -> whether its node is hidden
    const asked = new Map(); // parent id -> hidden
    const visit = (add) => {
      if (walked.has(add)) return walked.get(add);
      walked.set(add, true); // While its parents are walked.
      const parentAdd = byId.get(add.parentId);
      let above;
      let tag = "";
      if (parentAdd) {
        above = visit(parentAdd);
        if (parentAdd.node.type === NodeType.Element) tag = parentAdd.node.tagName;
      } else {
        const parent = record.mirror.getNode(add.parentId);
        if (parent && parent.nodeType === 1) tag = parent.tagName.toLowerCase();
        if (!asked.has(add.parentId)) asked.set(add.parentId, this.policy.isHidden(parent));
        above = asked.get(add.parentId);
      }
      const hidden = this.walk(add.node, above, tag);
      walked.set(add, hidden);
      return hidden;
    };
    for (const add of adds) if (add && add.node) visit(add);
  }

  /** A node the snapshot's slices add, masked in place: whether it is hidden, or null if
   * masking failed and it may not leave. */
  maskAdded(sn, hiddenAbove, parentTag) {
    try {
      return this.walk(sn, hiddenAbove, parentTag);
    } catch {
      return null;
    }
  }

  /** A serialised node and its subtree, masked in place; `hiddenAbove`: it lies inside a hidden
   * element. Returns whether the node is hidden (so is everything in it). */
  walk(node, hiddenAbove, parentTag) {
    if (!node || typeof node !== "object") return hiddenAbove;
    let hidden = hiddenAbove;
    if (node.type === NodeType.Element) {
      hidden = maskElement(node, record.mirror.getNode(node.id), hiddenAbove, this.policy);
      this.sanitizeNode(node);
    } else if (node.type === NodeType.Text && hiddenAbove) {
      maskTextNode(node, parentTag);
    }
    if (!Array.isArray(node.childNodes)) return hidden;
    const tag = node.type === NodeType.Element ? node.tagName : parentTag;
    for (const child of node.childNodes) this.walk(child, hidden, tag);
    return hidden;
  }

  sanitizeNode(node) {
    const attributes = node.attributes;
    if (!attributes) return;
    if (attributes.rr_scrollLeft || attributes.rr_scrollTop) this.scrolledIds.add(node.id);
    if (node.tagName === "canvas" && attributes.rr_dataURL
        && this.policy.isHidden(record.mirror.getNode(node.id))) {
      delete attributes.rr_dataURL;
    }
    if (node.tagName === "video") absolutePoster(node.id, attributes);
    if (!isBroken(attributes._cssText)) return;
    try {
      repairStyleText(node);
    } catch {
      // rrweb's text stands, and the walk goes on: a hidden canvas further on still loses its picture.
    }
  }

  flush() {
    this.flushScheduled = false;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.send(batch);
  }
}

/** rrweb makes src and href absolute but not a video's poster, which the rebuilt page (on
 * another origin) could not load: the element's own property has the absolute URL. */
function absolutePoster(id, attributes) {
  if (!attributes || typeof attributes.poster !== "string" || !attributes.poster) return;
  const video = record.mirror.getNode(id);
  if (video && video.tagName === "VIDEO" && video.poster) attributes.poster = video.poster;
}

/** A resize event of the page's layout size (visual.js LayoutSizeWatcher). */
function resized(size) {
  return { type: EventType.IncrementalSnapshot, timestamp: Date.now(), data: { source: IncrementalSource.ViewportResize, ...size } };
}
