// The customer's open popovers (the Popover API: the `popover` attribute, showPopover(), a
// `popovertarget` button), for the render page. Whether a popover is shown lives in the top
// layer, not in the DOM, so rrweb's stream does not carry it: after each toggle (and each full
// snapshot) a custom event names the open popovers, in the order they opened (later ones are
// drawn above), and the render page shows the same nodes.
export const POPOVER_TAG = "cobrowse-popovers";

function isOpen(element) {
  try {
    return element.matches(":popover-open");
  } catch {
    return false; // A browser without the Popover API has none open.
  }
}

export class PopoverReporter {
  /** @param {(ids: number[]) => void} report  @param {(element: Element) => number} idOf */
  constructor(report, idOf) {
    this.report = report;
    this.idOf = idOf;
    this.order = []; // Popovers seen opening, oldest first.
    this.last = "";
    this.timer = 0;
  }

  start() {
    // `toggle` does not bubble: heard in the capture phase, from anywhere in the document.
    document.addEventListener("toggle", this.toggled, true);
  }

  stop() {
    document.removeEventListener("toggle", this.toggled, true);
    clearTimeout(this.timer);
    this.timer = 0;
    this.order = [];
    this.last = "";
  }

  toggled = (event) => {
    const element = event.target;
    if (!(element instanceof Element) || !element.hasAttribute("popover")) return; // <details> too
    this.order = this.order.filter((seen) => seen !== element);
    if (event.newState === "open") this.order.push(element);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = 0;
      this.measure(false);
    }, 0);
  };

  /** Report the open popovers; `always` after a full snapshot, which rebuilds the render page. */
  measure(always) {
    try {
      const open = this.order.filter(isOpen);
      // Opened before the capture started: in the document's order, below those seen opening.
      const earlier = [...document.querySelectorAll("[popover]")].filter((p) => isOpen(p) && !open.includes(p));
      const ids = [...earlier, ...open].map((element) => this.idOf(element)).filter((id) => id > 0);
      const key = ids.join(",");
      if (!always && key === this.last) return;
      this.last = key;
      this.report(ids);
    } catch {
      // Never into the host page.
    }
  }
}
