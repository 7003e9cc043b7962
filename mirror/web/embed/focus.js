// The customer's focused element, for the render page: rrweb's replay does not show focus, so after
// each change of focus (and each full snapshot) a custom event names the focused node by its
// rrweb id and says whether it shows :focus-visible on the customer's screen (a focus ring after
// Tab, usually none after a click). The render page focuses the same node the same way.
import { frameDocument } from "../dom.js";

export const FOCUS_TAG = "cobrowse-focus";
// A focused element not in rrweb's mirror yet is looked for again this often, this many times
// (one inside a blocked element never is: then no focus is shown).
const UNSENT_WAIT_MS = 50;
const UNSENT_TRIES = 20;

/** The element that has focus, through open shadow roots and same-origin frames; null if none. */
export function deepActiveElement(doc = document) {
  let element = doc.activeElement;
  while (element) {
    if (element.shadowRoot && element.shadowRoot.activeElement) {
      element = element.shadowRoot.activeElement;
      continue;
    }
    const inner = element.tagName === "IFRAME" ? frameDocument(element) : null;
    if (inner && inner.activeElement && inner.activeElement !== inner.body) {
      element = inner.activeElement;
      continue;
    }
    break;
  }
  const nobody = !element || element === doc.body || element === doc.documentElement;
  return nobody ? null : element;
}

function focusVisible(element) {
  try {
    return element.matches(":focus-visible");
  } catch {
    return false;
  }
}

export class FocusReporter {
  /** @param {(id: number, visible: boolean) => void} report  @param {(element: Element) => number} idOf */
  constructor(report, idOf) {
    this.report = report;
    this.idOf = idOf;
    this.last = "";
    this.timer = 0;
  }

  start() {
    document.addEventListener("focusin", this.changed, true);
    document.addEventListener("focusout", this.changed, true);
  }

  stop() {
    document.removeEventListener("focusin", this.changed, true);
    document.removeEventListener("focusout", this.changed, true);
    clearTimeout(this.timer);
    this.timer = 0;
    this.last = "";
  }

  /** Focus moved (here, or in a frame or shadow root as rrweb saw it): measured once it settles,
   * so a blur followed by a focus costs one event. */
  changed = () => {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.measure(false);
    }, 0);
  };

  /** Report the focused element; `always` after a full snapshot, which rebuilds the render page.
   * An element not sent yet (a large change goes in slices) is looked at again a little later. */
  measure(always, tries = 0) {
    try {
      const element = deepActiveElement();
      const id = element ? this.idOf(element) : -1;
      if (element && id <= 0 && tries < UNSENT_TRIES) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = 0;
          this.measure(always, tries + 1);
        }, UNSENT_WAIT_MS);
        return;
      }
      const visible = Boolean(element) && focusVisible(element);
      const key = `${id}:${visible}`;
      if (!always && key === this.last) return;
      this.last = key;
      this.report(id > 0 ? id : -1, visible);
    } catch {
      // Never into the host page.
    }
  }
}
