// Frames from another origin whose page embeds cobrowse.js too (a partner's booking form, the
// site's own widget on another domain). The co-browsed page invites them; each captures itself
// and posts its rrweb events up to the page, where rrweb (recordCrossOriginIframes) folds them
// into the page's stream under the frame's node. A frame shares only with a parent whose origin
// the server allows (GET /frame-policy), masks with the server's policy (never the parent's), and
// posts to that origin only. The page, in turn, takes a frame's capture only from a window it
// invited, and only from an origin the server approves too (framegate.js). Frames that do not
// embed the script stay private placeholders.
import { Capture, canTakeFrames } from "./capture.js";
import { Policy } from "./policy.js";
import { MaskMarks } from "./marks.js";
import { frameGate, isCaptureMessage } from "./framegate.js";
import { frameDocument } from "../dom.js";

export const FRAME_MESSAGE = "cobrowse-frame";
// The version of the messages between a page and its frames, which never reach the server.
const FRAME_VERSION = 1;
// The attribute the page puts on a frame once it shares its content (the frame's box is then
// part of the agent's view like the rest of the page).
export const SHARED_ATTR = "data-cobrowse-shared-frame";
const RRWEB_MESSAGE = "rrweb";
// The server this script was loaded from, read while the bundle runs (as index.js does).
const SCRIPT_BASE = (() => {
  try {
    const src = document.currentScript && document.currentScript.src;
    return src ? new URL(".", src).href : null;
  } catch {
    return null;
  }
})();

function post(target, kind, origin = "*") {
  try {
    target.postMessage({ type: FRAME_MESSAGE, v: FRAME_VERSION, kind }, origin);
  } catch {
    // A frame gone meanwhile.
  }
}

function isFrameMessage(data) {
  return Boolean(data) && typeof data === "object" && data.type === FRAME_MESSAGE && data.v === FRAME_VERSION;
}


/** The page's frames, through its same-origin frames (whose content rrweb reads itself). */
function allFrames(doc = document, found = []) {
  for (const frame of doc.querySelectorAll("iframe, frame")) {
    const inner = frameDocument(frame);
    if (frame.contentWindow) found.push(frame);
    if (inner) allFrames(inner, found);
  }
  return found;
}

/** The frames the page cannot read: of another origin. */
function foreignFrames() {
  return allFrames().filter((frame) => !frameDocument(frame));
}

/** The co-browsed page's side: answers frames that announce themselves and invites them to share
 * while the page is captured. Listening starts at boot, so a frame knows at once that the page
 * runs the script (and shows no button of its own). A frame's capture is taken only from a
 * window the page invited, once the server approved that window's origin (framegate.js). */
export class FrameHost {
  /** @param {string|null} base the server's URL (asked which frames' origins may share) */
  constructor(base = SCRIPT_BASE) {
    this.base = base;
    this.sharing = false;
    this.known = new Map(); // a frame's window -> the frame element
    this.lookedAt = 0;
    this.verdicts = new Map(); // a frame's origin -> Promise<boolean>: may it share with the page?
    this.asking = new WeakSet(); // windows whose origin is being asked about
    this.refused = new WeakSet(); // windows whose capture was dropped before their approval
  }

  /** The frame showing `source`: the page's frames are walked again at most twice a
   * second (messages from other windows, such as an ad's, come often), or now when `fresh`. */
  frameOf(source, fresh = false) {
    const known = this.known.get(source);
    if (known && known.isConnected) return known;
    const now = performance.now();
    if (!fresh && now - this.lookedAt < 500) return null;
    this.lookedAt = now;
    this.known = new Map(allFrames().map((frame) => [frame.contentWindow, frame]));
    return this.known.get(source) || null;
  }

  start() {
    window.addEventListener("message", this.received);
  }

  /** The page's capture (re)started: every foreign frame is asked for a fresh capture. */
  share() {
    this.sharing = canTakeFrames();
    frameGate.open = this.sharing;
    if (!this.sharing) return;
    this.lookedAt = 0;
    for (const frame of foreignFrames()) this.invite(frame.contentWindow, frame);
  }

  invite(source, frame) {
    frameGate.invite(source, frame);
    post(source, "share");
  }

  stop() {
    frameGate.close();
    this.verdicts.clear();
    if (!this.sharing) return;
    this.sharing = false;
    for (const frame of foreignFrames()) {
      post(frame.contentWindow, "stop");
      frame.removeAttribute(SHARED_ATTR);
    }
  }

  received = (event) => {
    const data = event.data;
    if (!event.source || !data || typeof data !== "object") return;
    if (isCaptureMessage(data)) this.captured(event);
    else if (isFrameMessage(data) && data.kind === "ready") this.ready(event);
  };

  /** A frame's capture message, which rrweb folds into the page's unless capture.js drops it. */
  captured(event) {
    if (!this.sharing) return;
    if (frameGate.admits(event)) {
      const frame = this.frameOf(event.source);
      if (frame && !frame.hasAttribute(SHARED_ATTR)) frame.setAttribute(SHARED_ATTR, "");
    } else if (frameGate.isInvited(event.source)) {
      // Dropped: once its origin is approved, the frame is asked for its capture again.
      this.refused.add(event.source);
      this.approve(event.source, event.origin);
    }
  }

  /** A frame's page runs the script. A same-origin frame is captured with the page itself: it
   * is told only that the page runs the script; a foreign one is invited while sharing. */
  ready(event) {
    const frame = this.frameOf(event.source, true);
    if (!frame) return;
    post(event.source, "parent");
    if (frameDocument(frame) || !this.sharing) return;
    this.invite(event.source, frame);
    this.approve(event.source, event.origin);
  }

  /** Ask the server whether `origin` may share with this page (the same rule the frame asks
   * about: both origins allowed); if so, `source` may post its capture from that origin. */
  async approve(source, origin) {
    if (this.asking.has(source) || frameGate.admits({ source, origin })) return;
    this.asking.add(source);
    let verdict = this.verdicts.get(origin);
    if (!verdict) {
      verdict = mayShare(this.base, origin);
      this.verdicts.set(origin, verdict);
    }
    const allowed = await verdict;
    this.asking.delete(source);
    if (!allowed || !this.sharing || !frameGate.isInvited(source)) return;
    frameGate.approve(source, origin);
    if (this.refused.has(source)) {
      this.refused.delete(source);
      post(source, "share", origin);
    }
  }
}

/** Whether the server lets a frame of `origin` share with this page. The frame asks the same
 * question the other way round; the rule (both origins allowed) is symmetric. */
async function mayShare(base, origin) {
  if (!base || !origin || origin === "null") return false; // An opaque origin is nobody's.
  return (await rulesFor(base, origin)) !== null;
}

/** A framed page's side: announces itself to the parent, and shares when invited by an allowed
 * parent until told to stop. */
export class FrameGuest {
  /** @param {string} base the server's URL  @param {() => void} onParent the parent runs the script */
  constructor(base, onParent) {
    this.base = base;
    this.onParent = onParent;
    this.origin = null; // the parent's origin this frame shares with
    this.capture = null;
    this.marks = null;
    this.asking = null;
  }

  start() {
    window.addEventListener("message", this.received);
    post(window.parent, "ready");
  }

  received = (event) => {
    // The co-browsed page is the parent, or the top page when the parent is one of its
    // same-origin frames (rrweb listens on those frames' windows too). Posting to the parent
    // with the inviter's origin reaches it only when the parent is of that origin.
    const above = event.source === window.parent || event.source === window.top;
    if (!above || !isFrameMessage(event.data)) return;
    const kind = event.data.kind;
    if (kind === "parent") this.onParent();
    else if (kind === "share") this.share(event.origin);
    else if (kind === "stop" && event.origin === this.origin) this.stop();
  };

  async share(origin) {
    if (this.capture) {
      if (origin === this.origin) this.capture.snapshot();
      return;
    }
    if (this.asking) return;
    this.asking = rulesFor(this.base, origin);
    const rules = await this.asking;
    this.asking = null;
    if (!rules || this.capture) return;
    this.origin = origin;
    const policy = new Policy(rules.policy);
    this.marks = new MaskMarks(policy, () => {});
    this.marks.start();
    this.capture = new Capture((events) => this.send(events), policy, () => false, rules.capture, {
      framed: true,
      roots: () => this.marks?.roots || [document],
    });
    this.capture.snapshot();
  }

  /** Each event as rrweb's own cross-origin message, to the parent's origin only. */
  send(events) {
    for (const event of events) {
      window.parent.postMessage({ type: RRWEB_MESSAGE, event, origin: location.origin, isCheckout: false }, this.origin);
    }
  }

  stop() {
    this.capture?.stop();
    this.capture = null;
    this.marks?.stop();
    this.marks = null;
    this.origin = null;
  }
}

/** The server's masking policy and budgets for sharing with `parent`, or null when it may not. */
async function rulesFor(base, parent) {
  try {
    const response = await fetch(new URL(`frame-policy?parent=${encodeURIComponent(parent)}`, base), {
      credentials: "omit",
    });
    if (!response.ok) return null;
    const answer = await response.json();
    return answer && answer.share === true ? answer : null;
  } catch {
    return null; // The server does not allow this frame's origin (no CORS answer), or is away.
  }
}
