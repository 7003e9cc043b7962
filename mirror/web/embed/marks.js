// Shows the customer which fields the agent cannot see: each hidden or blocked element carries
// data-cobrowse-masked and a visible outline while a session is live, in the top document, in
// open shadow roots and in same-origin frames alike (the capture masks them all), and keeps them
// once hidden, as the capture does. Removed when the session ends.
import { frameDocument } from "../dom.js";

export const MASKED_ATTR = "data-cobrowse-masked";
const STYLE_ID = "cobrowse-masked-style";
const OUTLINE = `[${MASKED_ATTR}] { outline: 2px dashed #e8590c !important; outline-offset: 2px !important; }`;
const RESCAN_MS = 5000;
const MARK_WAIT_MS = 100; // A change's fields are outlined this much later, at most a pass each time.
const WATCHED = ["type", "autocomplete", "class", "id", "name", "data-cobrowse-hidden", "data-cobrowse-blocked"];

/** The top document, then every open shadow root and same-origin frame document inside it. */
export function deepRoots(root = document, found = []) {
  found.push(root);
  rootsOf(root.querySelectorAll("*"), found);
  return found;
}

/** The roots that the elements hold (their shadow roots, their frames' documents), and the
 * roots inside those. */
function rootsOf(elements, found) {
  for (const element of elements) {
    if (element.shadowRoot) deepRoots(element.shadowRoot, found);
    if (element.tagName === "IFRAME" || element.tagName === "FRAME") {
      const doc = frameDocument(element);
      if (doc && doc.documentElement) deepRoots(doc, found);
    }
  }
  return found;
}

/** A root still on the page: the top document, a shadow root whose host is, or the document of
 * a frame that is. */
function isLive(root) {
  if (root === document) return true;
  if (root.nodeType === 11) return root.host.isConnected;
  const view = root.defaultView;
  return Boolean(view && view.frameElement && view.frameElement.isConnected);
}

/** Where a browser has no MutationObserver: the fields are marked as they are at the start. */
class StillObserver {
  observe() {}
  disconnect() {}
}

export class MaskMarks {
  /** @param {import('./policy.js').Policy} policy  @param {(count: number) => void} onChange */
  constructor(policy, onChange) {
    this.policy = policy;
    this.onChange = onChange;
    this.observer = null;
    this.observed = new WeakSet(); // roots the observer watches already
    this.styled = new Set(); // roots given the outline style (to take it out again)
    this.pending = false;
    this.count = -1;
    this.roots = []; // the document, open shadow roots and same-origin frame documents
    this.rescan = true; // a frame loaded: the roots are looked for again, everywhere
    this.added = []; // nodes added since the last pass: shadow roots or frames may come with them
    this.scannedAt = 0; // when the roots were last all looked for
  }

  start() {
    if (this.observer) return;
    this.observer = new (window.MutationObserver || StillObserver)((records) => {
      // Attribute changes cannot add a shadow root or a frame: only added nodes are looked into.
      for (const record of records) {
        if (record.type === "childList") for (const node of record.addedNodes) this.added.push(node);
      }
      this.schedule();
    });
    // A frame that loads a new page has a new document to watch; load does not bubble.
    document.addEventListener("load", this.frameLoaded, true);
    this.mark();
  }

  frameLoaded = (event) => {
    if (!event.target || event.target.tagName !== "IFRAME") return;
    this.rescan = true;
    this.schedule();
  };

  schedule() {
    if (this.pending) return;
    this.pending = true;
    // Batched: a page rendering a thousand nodes costs one pass, not a thousand; in a task of
    // its own, not in the page's frame (tasks.js).
    setTimeout(() => {
      this.pending = false;
      if (this.observer) this.mark();
    }, MARK_WAIT_MS);
  }

  /** Watch a root's changes and give it the outline style (once each). */
  adopt(root) {
    if (this.observed.has(root)) return;
    this.observed.add(root);
    this.observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: WATCHED });
    this.style(root);
  }

  style(root) {
    try {
      if (root.nodeType === 9) {
        if (root.getElementById(STYLE_ID)) return;
        const style = root.createElement("style");
        style.id = STYLE_ID;
        style.textContent = OUTLINE;
        (root.head || root.documentElement).append(style);
      } else {
        // A shadow root gets a constructed sheet: an element added to a component's tree
        // could change what its own selectors (:first-child, slots) match.
        const View = root.ownerDocument.defaultView;
        const sheet = new View.CSSStyleSheet();
        sheet.replaceSync(OUTLINE);
        root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
        root.cobrowseMarkSheet = sheet;
      }
      this.styled.add(root);
    } catch {
      // A root we cannot style still has its fields marked by the attribute.
    }
  }

  unstyle(root) {
    try {
      if (root.nodeType === 9) root.getElementById(STYLE_ID)?.remove();
      else if (root.cobrowseMarkSheet) {
        root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== root.cobrowseMarkSheet);
        delete root.cobrowseMarkSheet;
      }
    } catch {
      // Never into the host page.
    }
  }

  /** Every element under `root` the policy hides or blocks (itself, not through containers). */
  matches(root) {
    try {
      return root.querySelectorAll(`${this.policy.hidden},${this.policy.blocked}`);
    } catch {
      return root.querySelectorAll("input, textarea, select");
    }
  }

  mark() {
    const elements = new Set();
    this.roots = this.currentRoots();
    for (const root of this.roots) {
      this.adopt(root);
      for (const element of this.matches(root)) {
        elements.add(element);
        this.policy.isHiddenItself(element); // Seen hidden: it stays hidden (policy.js).
      }
    }
    // Hidden for the life of the page, whatever its attributes became: still marked.
    for (const element of this.policy.kept()) elements.add(element);
    for (const root of this.roots) {
      for (const element of root.querySelectorAll(`[${MASKED_ATTR}]`)) {
        if (!elements.has(element)) element.removeAttribute(MASKED_ATTR);
      }
    }
    for (const element of elements) {
      if (!element.hasAttribute(MASKED_ATTR)) element.setAttribute(MASKED_ATTR, "");
    }
    if (elements.size !== this.count) {
      this.count = elements.size;
      this.onChange(this.count);
    }
  }

  /** All roots found again after a frame loaded, or every few seconds of changes (a component
   * upgraded late gets its shadow root without any node added); otherwise those known still on
   * the page and those that came with added nodes: a walk of the whole page at each change of
   * it took 20 ms on a page of 50,000 elements. */
  currentRoots() {
    const added = this.added;
    this.added = [];
    if (this.rescan || (added.length && performance.now() - this.scannedAt > RESCAN_MS)) {
      this.rescan = false;
      this.scannedAt = performance.now();
      return deepRoots();
    }
    if (!added.length) return this.roots;
    const roots = new Set(this.roots.filter(isLive));
    for (const node of added) {
      if (node.nodeType !== 1 || !node.isConnected) continue;
      for (const root of rootsOf([node, ...node.querySelectorAll("*")], [])) roots.add(root);
    }
    return [...roots];
  }

  stop() {
    if (!this.observer) return;
    this.observer.disconnect();
    this.observer = null;
    document.removeEventListener("load", this.frameLoaded, true);
    for (const root of deepRoots()) {
      for (const element of root.querySelectorAll(`[${MASKED_ATTR}]`)) element.removeAttribute(MASKED_ATTR);
    }
    for (const root of this.styled) this.unstyle(root);
    this.styled.clear();
    this.observed = new WeakSet();
  }
}
