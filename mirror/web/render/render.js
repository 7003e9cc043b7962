// The render page: runs in the server's headless Chromium and rebuilds the customer's page from
// the captured rrweb stream. rrweb rebuilds into a sandboxed iframe (allow-same-origin only), so
// no captured script ever runs. Its pixels are what the agent sees.
import { Replayer, setCssAdapter } from "@rrweb/replay";
import { EventType, IncrementalSource, NodeType } from "@rrweb/types";
import "@rrweb/replay/dist/style.css";
import { CanvasPainter, isCanvasEvent } from "./canvas.js";
import { anchorAt, describeNode, hitTest, nextFocus, placePointer, placeScroll } from "./hittest.js";
import { FramePlaceholders } from "./placeholders.js";
import { PressedState, pressOf } from "./active.js";
import { isFocusEvent, showFocus } from "./focus.js";
import { adaptCss } from "./hover_css.js";
import { isPopoverEvent, showPopovers } from "./popovers.js";
import { MEDIA_RULES, MediaPictures, isMediaInteraction, isMediaPicture, quietMedia } from "./media.js";
import { Drawings } from "../../../replay/web/drawings.js";
import { fontMetrics, namedFontMetrics } from "../fonts.js";
import { FontAliases } from "./fonts.js";
import { rootsDeep } from "../dom.js";
import { quiet } from "./quiet.js";
import { whenPresented } from "./presented.js";
import { KeptHidden, keepAutocomplete, maskRects, maskShadowRoots, setPolicy, styleRules } from "./masks.js";

setCssAdapter(adaptCss);
const NOTICE_TAG = "cobrowse-notice"; // embed/capture.js
const DISPLAY_TAG = "cobrowse-display"; // embed/display.js
const VISUAL_TAG = "cobrowse-visual"; // embed/visual.js
const WHOLE_TAG = "cobrowse-whole"; // embed/capture.js: a snapshot's last slice is sent
const SCREEN_TAG = "cobrowse-screen"; // embed/capture.js: what the customer sees is sent
const FONTS_TAG = "cobrowse-fonts"; // embed/capture.js: the customer's default fonts
// A snapshot in slices being rebuilt: "hidden" (the server sends no frame) until what the
// customer sees is in, "shown" after that until its last slice; null otherwise.
let building = null;
let snapshots = 0; // The customer's snapshots rebuilt so far (see rebuiltOnceShown).
let replayer = null;
let warmUpSnapshot = null; // The snapshot of the player's warm-up page (see warmUp).

/**
 * A phone lays a page that overflows its screen out at the screen's width while its layout
 * viewport (the render page's, the rebuilt page's frame) grows to the content: the root element
 * is given that width, so blocks and their text wrap as on the phone. Any other width, none.
 */
let layoutWidth = null;
const widened = new WeakSet(); // Root elements given a width here (the page's own is left alone).

function layOutAt(width) {
  layoutWidth = Number.isFinite(width) && width >= 1 ? Math.round(width) : null;
  applyLayoutWidth();
}

/** Now, and again on each rebuilt document (a visual report may come before its rebuild). */
function applyLayoutWidth() {
  const doc = replayer && replayer.iframe && replayer.iframe.contentDocument;
  if (!doc || !doc.documentElement || !doc.defaultView) return;
  const root = doc.documentElement;
  if (layoutWidth && layoutWidth < doc.defaultView.innerWidth) {
    root.style.setProperty("width", `${layoutWidth}px`, "important");
    widened.add(root);
  } else if (widened.has(root)) {
    root.style.removeProperty("width");
    widened.delete(root);
  }
}

function isNotice(event) {
  return event.type === EventType.Custom && event.data && event.data.tag === NOTICE_TAG && event.data.payload
    && typeof event.data.payload === "object";
}
const nodeById = (id) => replayer && replayer.getMirror().getNode(id);
const canvases = new CanvasPainter(nodeById);
const placeholders = new FramePlaceholders(nodeById);
const videos = new MediaPictures(nodeById);
const pressed = new PressedState(nodeById);
const kept = new KeptHidden(() => replayer && replayer.getMirror());
const fonts = new FontAliases();
let afterChangesScheduled = false;

/** A rebuild, added nodes, or adopted sheets replaced (which drops the mask sheet); pointer
 * moves and scrolls, most of the stream, do not call for a walk of the page. */
function mayAddShadowRoots(event) {
  if (event.type === EventType.FullSnapshot) return true;
  const source = event.type === EventType.IncrementalSnapshot && event.data ? event.data.source : -1;
  return source === IncrementalSource.Mutation || source === IncrementalSource.AdoptedStyleSheet;
}

/** Mask rules into the rebuilt page's shadow roots and the customer's fonts into its documents,
 * once the replayer has applied a batch. */
function scheduleAfterChanges() {
  if (afterChangesScheduled) return;
  afterChangesScheduled = true;
  requestAnimationFrame(() => {
    afterChangesScheduled = false;
    afterChanges();
  });
}

function afterChanges() {
  const doc = replayer && replayer.iframe && replayer.iframe.contentDocument;
  if (!doc || !doc.documentElement) return;
  const roots = rootsDeep(doc);
  maskShadowRoots(roots);
  fonts.apply(doc, roots);
}

/** The scroll offsets of scrolled elements in a snapshot that came in slices: rrweb's player
 * sets them (rr_scrollLeft, rr_scrollTop) only when it rebuilds a snapshot whole. Not the
 * document's: its offset comes anchored to an element (embed/capture.js scrolled). */
function restoreScrolls(mirror) {
  for (const id of mirror.getIds()) {
    const node = mirror.getNode(id);
    const attributes = node && node.nodeType === 1 ? (mirror.getMeta(node) || {}).attributes : null;
    if (!attributes || node === node.ownerDocument.scrollingElement) continue;
    if (attributes.rr_scrollLeft) node.scrollLeft = attributes.rr_scrollLeft;
    if (attributes.rr_scrollTop) node.scrollTop = attributes.rr_scrollTop;
  }
}

/**
 * Tell the server the customer's page is rebuilt once the frame painting it is on the screen: a
 * frame taken before would miss this animation frame's changes. Not when another snapshot came
 * meanwhile: the server waits for that one.
 */
function rebuiltOnceShown() {
  const snapshot = snapshots;
  whenPresented((reported) => {
    if (snapshot === snapshots && window.cobrowseRebuilt) window.cobrowseRebuilt(reported);
  });
}

/** The live player's clock, in ms since the epoch but monotonic: it plays an event once its
 * timestamp's time has passed on the player's own timer (performance.now()), so a step of the
 * wall clock (NTP, a resumed machine) would hold every later change back by the step. */
function clock() {
  return performance.timeOrigin + performance.now();
}

function createReplayer() {
  const root = document.getElementById("stage");
  root.replaceChildren();
  const r = new Replayer([], {
    root,
    liveMode: true,
    mouseTail: false,
    showWarning: false,
    pauseAnimation: false,
    triggerFocus: false,
    insertStyleRules: [...styleRules(), ...MEDIA_RULES],
  });
  // Until the customer's page is rebuilt the render page is a blank page: the server sends no frame.
  r.on("fullsnapshot-rebuilded", (event) => {
    // The rebuilt page's frame is the focused one, as the customer's page is in their window:
    // its selection is drawn in the active colour, not the inactive grey (the server emulates
    // the window's focus).
    if (r.iframe && r.iframe.contentWindow) r.iframe.contentWindow.focus();
    applyLayoutWidth();
    afterChanges(); // The customer's fonts before the first layout.
    if (event === warmUpSnapshot) return;
    r.resetCache(); // Sheets adapted for replay (hover twins) of the pages before this one.
    snapshots += 1;
    building = event.data && event.data.cobrowseSlices ? "hidden" : null;
    if (building && window.cobrowseBuilding) window.cobrowseBuilding();
    else if (!building) rebuiltOnceShown();
  });
  // Pictures go on canvases once the replayer has applied the events that add or change them.
  r.on("event-cast", (event) => {
    kept.applied(event, r.iframe && r.iframe.contentDocument); // First: before anything is painted.
    const tag = event.type === EventType.Custom && event.data ? event.data.tag : null;
    if (building && (tag === WHOLE_TAG || (tag === SCREEN_TAG && building === "hidden"))) {
      const hidden = building === "hidden";
      building = tag === WHOLE_TAG ? null : "shown";
      restoreScrolls(r.getMirror());
      if (hidden) rebuiltOnceShown();
    }
    if (event.type === EventType.IncrementalSnapshot && event.data.source === IncrementalSource.Scroll) {
      placeScroll(event.data, r.getMirror());
    }
    if (isFocusEvent(event)) showFocus(event.data.payload, nodeById, r.iframe);
    if (isPopoverEvent(event)) showPopovers(event.data.payload, nodeById, r.iframe);
    const press = pressOf(event);
    if (press) pressed.apply(press);
    else if (event.type === EventType.FullSnapshot) pressed.release();
    canvases.schedule();
    placeholders.schedule();
    videos.schedule();
    if (mayAddShadowRoots(event)) scheduleAfterChanges();
  });
  r.on("resize", (size) => {
    // The warm-up page reports this window's own size, which changes nothing on the server.
    if (window.cobrowseResize) window.cobrowseResize(size.width, size.height);
  });
  r.startLive(clock());
  return r;
}

/**
 * A join should only rebuild the customer's page. Two costs of a first rebuild come before it
 * instead, while the page waits for a session: making the player (its iframe: about 30 ms) and
 * rrweb's copy of untainted DOM prototypes, which it takes from a hidden iframe of its own the
 * first time it looks for a shadow root (about 25 ms). A tiny page is rebuilt for that (its text
 * in the generic font families also loads their fonts in this renderer), and one adopted-stylesheet
 * change on its body makes rrweb look.
 */
function warmUp(r) {
  let id = 4;
  const text = (family) => ({
    type: NodeType.Element, tagName: "p", attributes: { style: `font-family: ${family}` }, id: ++id,
    childNodes: [
      { type: NodeType.Text, textContent: "Aa 0123 Ää", id: ++id },
      { type: NodeType.Element, tagName: "b", attributes: {}, id: ++id,
        childNodes: [{ type: NodeType.Text, textContent: "Bb", id: ++id }] },
    ],
  });
  const body = ["sans-serif", "serif", "monospace", "system-ui"].map(text);
  const html = { type: NodeType.Element, tagName: "html", attributes: {}, id: 2, childNodes: [
    { type: NodeType.Element, tagName: "head", attributes: {}, childNodes: [], id: 3 },
    { type: NodeType.Element, tagName: "body", attributes: {}, childNodes: body, id: 4 },
  ] };
  const now = clock();
  warmUpSnapshot = { type: EventType.FullSnapshot, timestamp: now, data: {
    node: { type: NodeType.Document, childNodes: [html], id: 1 }, initialOffset: { left: 0, top: 0 } } };
  r.addEvent({ type: EventType.Meta, timestamp: now,
    data: { href: "about:blank", width: innerWidth, height: innerHeight } });
  r.addEvent(warmUpSnapshot);
  r.addEvent({ type: EventType.IncrementalSnapshot, timestamp: now,
    data: { source: IncrementalSource.AdoptedStyleSheet, id: 4, styleIds: [], styles: [] } });
}

/** The masking policy, then the player that puts its rules into every rebuilt page. */
function prepare(policy) {
  setPolicy(policy);
  replayer = createReplayer();
  warmUp(replayer);
}

/**
 * The player replays scrolls with behavior "smooth": an animation that lags behind the customer
 * and leaves the view between two positions. The agent must see where the customer is, now.
 */
function instantScrolling(win) {
  if (!win || win.cobrowseInstantScroll) return;
  const instant = (original) => function scrollTo(options, y) {
    const args = options && typeof options === "object" ? [{ ...options, behavior: "instant" }] : [options, y];
    return original.apply(this, args);
  };
  win.scrollTo = instant(win.scrollTo);
  win.Element.prototype.scrollTo = instant(win.Element.prototype.scrollTo);
  win.cobrowseInstantScroll = true;
}

let lastStamp = 0;

/** Now on this page's clock, later than every stamp before: the live player orders events by
 * timestamp and can swap events of the same millisecond (a snapshot's last slice and the
 * event that says it was the last). */
function stamp() {
  lastStamp = Math.max(clock(), lastStamp + 0.001);
  return lastStamp;
}

/**
 * rrweb's live player keeps every event it is given, for a seek a live view never makes: a long
 * session's page would hold every snapshot and change of the call. Each event's replay is
 * scheduled apart from that log as it is added, so the log is emptied before each batch (the last
 * batch's events are all in it by then: the player adds them a microtask later).
 */
function forgetPlayed(r) {
  const log = r && r.service && r.service.state ? r.service.state.context.events : null;
  if (Array.isArray(log)) log.length = 0;
}

/** The masks measured now: {rects: [[x, y, width, height], ...]}, or {error} mid-rebuild. */
function measuredMasks() {
  try {
    return { rects: maskRects(replayer && replayer.iframe) };
  } catch (error) {
    return { error: String(error) }; // The page is mid-rebuild: not measurable.
  }
}

/**
 * The masks measured in the animation frame that plays the events just added, told to the server
 * with the batch's number (mirror/render/masks.py): that frame lays the page out as it is
 * drawn. The player adds each event a microtask later and then asks for its animation frame; this
 * one is asked for after those, so it runs after the player's in the same animation frame.
 */
function pushMasksWhenPlayed(batch) {
  const measure = () => {
    const timer = replayer && replayer.service ? replayer.service.state.context.timer : null;
    if (timer && timer.actions.length) {
      requestAnimationFrame(measure); // Not all played yet: the next frame draws the rest.
      return;
    }
    if (window.cobrowseMasks) window.cobrowseMasks(JSON.stringify({ batch, ...measuredMasks() }));
  };
  Promise.resolve().then(() => requestAnimationFrame(measure));
}

/**
 * Add a batch of rrweb events (a JSON array as text). Timestamps are rewritten to this page's
 * clock (stamp): the customer's clock may be skewed, and the live player schedules by timestamp.
 * With a batch number, the masks of the frame that plays it are pushed (pushMasksWhenPlayed).
 */
function add(batchText, batch = null) {
  const events = JSON.parse(batchText);
  if (!Array.isArray(events)) return 0;
  forgetPlayed(replayer);
  for (const event of events) {
    if (!event || typeof event !== "object" || typeof event.type !== "number") continue;
    // A new page or a re-attach arrives as Meta + FullSnapshot; the live player rebuilds the
    // whole document for it, so one player serves the session.
    if (!replayer) replayer = createReplayer();
    if (isCanvasEvent(event)) {
      canvases.add(event); // Pictures only, drawn here; never rrweb's canvas replay.
      continue;
    }
    if (event.type === EventType.Custom && event.data && event.data.tag === DISPLAY_TAG) {
      // The customer's colour scheme or pixel ratio changed: the server emulates it (and checks it).
      const display = event.data.payload || {};
      if (window.cobrowseDisplay) window.cobrowseDisplay(display.color_scheme, display.pixel_ratio);
      continue;
    }
    if (event.type === EventType.Custom && event.data && event.data.tag === VISUAL_TAG) {
      // What the customer sees of the page (a phone, a pinch zoom): the server shows that part.
      const payload = event.data.payload ? event.data.payload.visual : null;
      const visual = payload && typeof payload === "object" ? payload : null;
      layOutAt(visual && visual.layout_width);
      if (window.cobrowseVisual) window.cobrowseVisual(visual);
      continue;
    }
    if (event.type === EventType.Custom && event.data && event.data.tag === FONTS_TAG) {
      // The server brings this page's fonts to the customer's (mirror/render/fonts.py).
      if (window.cobrowseFonts) window.cobrowseFonts(event.data.payload || {});
      continue;
    }
    if (isNotice(event)) {
      // The capture is partial (a page too large, a budget reached): the server tells the agent.
      if (window.cobrowseNotice) window.cobrowseNotice(String(event.data.payload.reason || "partial"));
      continue;
    }
    // The render page never plays media: play, pause and seek are not replayed.
    if (isMediaInteraction(event)) continue;
    if (isMediaPicture(event)) {
      videos.add(event);
      continue;
    }
    canvases.note(event);
    placeholders.note(event);
    videos.note(event);
    quietMedia(event, nodeById);
    event.timestamp = stamp();
    keepAutocomplete(event);
    placePointer(event, replayer.getMirror());
    replayer.addEvent(event);
  }
  instantScrolling(replayer.iframe && replayer.iframe.contentWindow);
  if (Number.isInteger(batch)) pushMasksWhenPlayed(batch);
  return events.length;
}

// The agent's pointing tools, over the rebuilt page where the customer sees them over theirs.
const drawings = new Drawings(document.body || document.documentElement, () => {
  const win = replayer && replayer.iframe && replayer.iframe.contentWindow;
  return { x: win ? win.scrollX : 0, y: win ? win.scrollY : 0, width: innerWidth, height: innerHeight };
});

/** A batch deflated and in base64 (mirror/render/page.py packed): a large one crosses from the
 * server several times faster so. */
async function addPacked(packed, batch = null) {
  const binary = atob(packed);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return add(await new Response(inflated).text(), batch);
}

window.cobrowseRender = {
  add,
  addPacked,
  draw: (tool, points) => drawings.add(tool, points),
  erase: () => drawings.clear(),
  // JSON text: the server decodes it once into replay.hit.Hit.
  hitTest: (x, y) => JSON.stringify(hitTest(replayer, x, y)),
  anchor: (x, y) => JSON.stringify(anchorAt(replayer, x, y)),
  nextFocus: (fromId, backwards) => nextFocus(replayer, fromId, backwards),
  describeNode: (id) => { const hit = describeNode(replayer, id); return hit && JSON.stringify(hit); },
  setPolicy: prepare,
  // JSON text: the server measures this page's fonts (mirror/render/fonts.py).
  fontMetrics: (families) => JSON.stringify(fontMetrics(families)),
  namedFontMetrics: (names) => JSON.stringify(namedFontMetrics(names)),
  aliasFonts: (choice) => {
    fonts.set(choice);
    afterChanges();
  },
  // Measured now, for the frame the server is about to send: [[x, y, width, height], ...].
  maskRects: () => {
    const measured = measuredMasks();
    return JSON.stringify(measured.rects || measured);
  },
  // Nothing paints by itself: the server may stop capturing (mirror/render/rest.py).
  quiet: () => quiet(document, replayer && replayer.iframe && replayer.iframe.contentDocument,
    [canvases, placeholders, videos]),
  // A change nobody sees (one corner pixel's opacity), so Chromium paints a new frame.
  repaint: () => {
    let dot = document.getElementById("cobrowse-repaint");
    if (!dot) {
      dot = document.createElement("div");
      dot.id = "cobrowse-repaint";
      dot.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;background:#000;pointer-events:none";
      document.body.append(dot);
    }
    dot.style.opacity = dot.style.opacity === "0.01" ? "0.02" : "0.01";
  },
};
