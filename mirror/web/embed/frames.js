// Frames from another origin whose page embeds cobrowse.js too (a partner's booking form, the
// site's own widget on another domain). The co-browsed page invites them; each captures itself
// and posts its rrweb events up to the page, where rrweb (recordCrossOriginIframes) folds them
// into the page's stream under the frame's node. A frame shares only with a parent whose origin
// the server allows (GET /frame-policy), masks with the server's policy (never the parent's), and
// posts to that origin only. Frames that do not embed the script stay private placeholders.
import { Capture, canTakeFrames } from "./capture.js";
import { Policy } from "./policy.js";
import { MaskMarks } from "./marks.js";

export const FRAME_MESSAGE = "cobrowse-frame";
// The version of the messages between a page and its frames, which never reach the server.
const FRAME_VERSION = 1;
// The attribute the page puts on a frame once it shares its content (the frame's box is then
// part of the agent's view like the rest of the page).
export const SHARED_ATTR = "data-cobrowse-shared-frame";
const RRWEB_MESSAGE = "rrweb";

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

function readable(frame) {
  try {
    return frame.contentDocument;
  } catch {
    return null;
  }
}

/** The page's frames, through its same-origin frames (whose content rrweb reads itself). */
function allFrames(doc = document, found = []) {
  for (const frame of doc.querySelectorAll("iframe, frame")) {
    const inner = readable(frame);
    if (frame.contentWindow) found.push(frame);
    if (inner) allFrames(inner, found);
  }
  return found;
}

/** The frames the page cannot read: of another origin. */
function foreignFrames() {
  return allFrames().filter((frame) => !readable(frame));
}

/** The co-browsed page's side: answers frames that announce themselves and invites them to share
 * while the page is captured. Listening starts at boot, so a frame knows at once that the page
 * runs the script (and shows no button of its own). */
export class FrameHost {
  constructor() {
    this.sharing = false;
    this.known = new Map(); // a frame's window -> the frame element
    this.lookedAt = 0;
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
    if (!this.sharing) return;
    this.lookedAt = 0;
    for (const frame of foreignFrames()) post(frame.contentWindow, "share");
  }

  stop() {
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
    const ready = isFrameMessage(data) && data.kind === "ready";
    const frame = this.frameOf(event.source, ready);
    if (!frame) return;
    // A same-origin frame is captured with the page itself: told only that the page runs the script.
    const foreign = !readable(frame);
    if (data.type === RRWEB_MESSAGE) {
      if (foreign && this.sharing && !frame.hasAttribute(SHARED_ATTR)) frame.setAttribute(SHARED_ATTR, "");
    } else if (ready) {
      post(event.source, "parent");
      if (foreign && this.sharing) post(event.source, "share");
    }
  };
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
