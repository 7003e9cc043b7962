// Which frames may post their capture into the co-browsed page's. rrweb folds in the capture of
// any frame that posts rrweb's message (an advert could post a page of its own making); only a
// frame whose window the page invited, from the origin the server approved for it, gets through.
// frames.js invites and approves; capture.js drops what rrweb emits for any other message.

/** Whether `data` is rrweb's cross-origin capture message. */
export function isCaptureMessage(data) {
  return Boolean(data) && typeof data === "object" && data.type === "rrweb";
}

class FrameGate {
  constructor() {
    this.open = false; // the page is captured and shares its frames
    this.invited = new WeakMap(); // a frame's window the page asked to share -> the frame element
    this.approved = new WeakMap(); // an invited window -> the origin the server approved
  }

  invite(source, frame) {
    this.invited.set(source, frame);
  }

  isInvited(source) {
    return this.invited.has(source);
  }

  /** The frame element showing an invited window. */
  frameOf(source) {
    return this.invited.get(source) || null;
  }

  approve(source, origin) {
    if (this.invited.has(source)) this.approved.set(source, origin);
  }

  /** A capture message from an invited window, from the origin approved for it. */
  admits(message) {
    return this.open && Boolean(message.source) && this.approved.get(message.source) === message.origin;
  }

  close() {
    this.open = false;
    this.invited = new WeakMap();
    this.approved = new WeakMap();
  }
}

export const frameGate = new FrameGate();

/**
 * Whether the event being dispatched now is a frame's capture message to refuse: not from a
 * frame the gate admits, or from one shown inside a hidden element of the page (`isHidden`),
 * whose content is the page's to hide. rrweb emits a frame's events synchronously from its own
 * "message" listener, so while that listener runs, `window.event` is the message (the listener
 * is this window's code even where it listens on a same-origin frame's window). Stopping the
 * message itself instead would also take it from the site's own listeners (a site that records
 * itself with rrweb). The cost: a change a site's own listener makes to the page on such a
 * refused message is reported by rrweb while the message is still dispatched, and dropped too,
 * until the next full snapshot.
 * @param {(element: Element) => boolean} isHidden
 */
export function isRefusedFrameMessage(isHidden) {
  const event = window.event;
  if (!event || event.type !== "message" || !isCaptureMessage(event.data)) return false;
  return !frameGate.admits(event) || isHidden(frameGate.frameOf(event.source));
}
