// Capture of the customer's page with rrweb: a full snapshot, then incremental events, batched
// per task so a burst of mutations costs one message. Masked values are replaced here, before
// anything leaves the browser.
import { record } from "@rrweb/record";

export const WIDGET_ATTR = "data-cobrowse-widget";
const INCREMENTAL = 3;
const POINTER_SOURCES = new Set([1, 2, 6]); // MouseMove, MouseInteraction, TouchMove
const HIDDEN_MASK = "••••••";
// Every kind of field goes through maskInputFn, which keeps the value unless the element is hidden.
const MASK_EVERY_INPUT = Object.fromEntries(
  ["color", "date", "datetime-local", "email", "month", "number", "range", "search", "tel", "text",
   "time", "url", "week", "password", "textarea", "select"].map((k) => [k, true]),
);

export class Capture {
  /**
   * @param {(events: object[]) => void} send
   * @param {import('./policy.js').Policy} policy
   * @param {() => boolean} replaying true while the agent's own action is being dispatched
   */
  constructor(send, policy, replaying = () => false) {
    this.send = send;
    this.policy = policy;
    this.replaying = replaying;
    this.queue = [];
    this.flushScheduled = false;
    this.stopRecording = null;
  }

  get running() {
    return this.stopRecording !== null;
  }

  /** Start capturing (emits Meta + FullSnapshot), or take a fresh full snapshot if running. */
  snapshot() {
    if (this.running) {
      record.takeFullSnapshot(true);
      return;
    }
    this.stopRecording = record({
      emit: (event) => this.enqueue(event),
      // Pointer positions every 20 ms, sent every 40 ms (rrweb's default batches are 500 ms).
      sampling: { mousemove: 20, mousemoveCallback: 40, scroll: 40 },
      // Blocked elements (and the widget) leave as empty boxes of the same size.
      blockSelector: `[${WIDGET_ATTR}],${this.policy.blocked}`,
      maskInputOptions: MASK_EVERY_INPUT,
      maskInputFn: (text, element) => (this.policy.isHidden(element) ? HIDDEN_MASK : text),
      // Text of hidden elements (contenteditable, or whatever a site marks) never leaves either.
      maskTextSelector: this.policy.hidden,
      maskTextFn: () => HIDDEN_MASK,
      inlineStylesheet: true,
      slimDOMOptions: { script: true, comment: true, headFavicon: true, headWhitespace: true },
    }) || null;
  }

  stop() {
    if (this.stopRecording) this.stopRecording();
    this.stopRecording = null;
    this.queue = [];
  }

  enqueue(event) {
    // The agent's own pointer events, replayed here, are not the customer's pointer: sending them
    // back would draw the customer's pointer where the agent clicked.
    if (event.type === INCREMENTAL && POINTER_SOURCES.has(event.data.source) && this.replaying()) return;
    this.queue.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One message per task: rrweb emits a mutation burst synchronously.
    setTimeout(() => this.flush(), 0);
  }

  flush() {
    this.flushScheduled = false;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.send(batch);
  }
}
