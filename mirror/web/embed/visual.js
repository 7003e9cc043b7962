// What the customer actually sees of the page: the visual viewport. On a phone the page may be
// laid out wider than the screen (and scaled down to fit), and a pinch zoom shows part of it
// larger; the layout viewport (what rrweb's stream describes) is then not the customer's screen.
// After each change (and each full snapshot) a custom event says where the visual viewport lies
// on the page, its size in CSS pixels and its scale, or `null` when it is the layout viewport, and
// the server shows the agent that part of the page at that scale.
export const VISUAL_TAG = "cobrowse-visual";
const SLACK_PX = 0.5; // Sub-pixel differences of sizes rounded apart are not a zoom.

function round(value, places = 2) {
  const unit = 10 ** places;
  return Math.round(value * unit) / unit;
}

/** The visual viewport when it is not the layout viewport, else null. */
export function visualViewport(win = window) {
  const visual = win.visualViewport;
  if (!visual) return null;
  // The layout viewport less classic scroll bars (Windows', Firefox's), as the visual one is.
  const layout = layoutSize(win.document) || { width: win.innerWidth, height: win.innerHeight };
  const same = Math.abs(visual.scale - 1) < 0.005
    && Math.abs(visual.width - layout.width) < SLACK_PX
    && Math.abs(visual.height - layout.height) < SLACK_PX
    && Math.abs(visual.offsetLeft) < SLACK_PX && Math.abs(visual.offsetTop) < SLACK_PX;
  if (same) return null;
  return {
    // Where it lies in the layout viewport (for the agent's pointer) and on the page (for the view).
    offset_left: round(visual.offsetLeft), offset_top: round(visual.offsetTop),
    page_left: round(visual.pageLeft), page_top: round(visual.pageTop),
    width: round(visual.width), height: round(visual.height), scale: round(visual.scale, 4),
    // A phone grows the layout viewport past its screen when the page overflows it, but lays the
    // page out at the screen's width (the initial containing block): the render page does too.
    layout_width: win.document.documentElement.clientWidth,
  };
}

export class VisualViewportWatcher {
  /** @param {(visual: object | null) => void} report */
  constructor(report) {
    this.report = report;
    this.last = "null";
    this.frame = 0;
  }

  start() {
    const visual = window.visualViewport;
    if (!visual) return;
    visual.addEventListener("resize", this.changed);
    visual.addEventListener("scroll", this.changed);
    window.addEventListener("scroll", this.changed, { passive: true }); // Moves it on the page.
  }

  stop() {
    const visual = window.visualViewport;
    if (visual) {
      visual.removeEventListener("resize", this.changed);
      visual.removeEventListener("scroll", this.changed);
    }
    window.removeEventListener("scroll", this.changed);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.last = "null";
  }

  /** Once a frame at most: a pinch or a fling fires many events. */
  changed = () => {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.measure(false);
    });
  };

  /** `always` after a full snapshot; otherwise only a change is told (a zoomed page's scrolls). */
  measure(always) {
    try {
      const visual = visualViewport();
      const key = JSON.stringify(visual);
      if (!always && key === this.last) return;
      if (always && visual === null && this.last === "null") return; // The usual case: nothing to say.
      this.last = key;
      this.report(visual);
    } catch {
      // Never into the host page.
    }
  }
}

/** The size the page is laid out at: the window less classic scroll bars (Windows', Firefox's),
 * or null when the document has no root yet. */
export function layoutSize(doc = document) {
  const root = doc.scrollingElement || doc.documentElement;
  return root && root.clientWidth > 0 && root.clientHeight > 0
    ? { width: root.clientWidth, height: root.clientHeight } : null;
}

/**
 * rrweb names the window's size (innerWidth), scroll bars included; the render page's scroll bars
 * take no room, so it is told the size the page is laid out at instead, on each Meta and resize
 * event (`stamp`), and again when a scroll bar comes or goes without a resize (`report`).
 */
export class LayoutSizeWatcher {
  /** @param {(size: {width: number, height: number}) => void} report */
  constructor(report) {
    this.report = report;
    this.last = null;
    this.observer = null;
  }

  start() {
    if (this.observer || typeof ResizeObserver !== "function") return;
    this.observer = new ResizeObserver(() => this.measure());
    this.observer.observe(document.documentElement);
  }

  stop() {
    if (this.observer) this.observer.disconnect();
    this.observer = null;
    this.last = null;
  }

  /** A Meta or viewport-resize event's data, given the layout size. */
  stamp(data) {
    const size = layoutSize();
    if (!size) return;
    data.width = size.width;
    data.height = size.height;
    this.last = size;
  }

  measure() {
    const size = layoutSize();
    if (!size || !this.last || (size.width === this.last.width && size.height === this.last.height)) return;
    this.last = size;
    this.report(size);
  }
}
