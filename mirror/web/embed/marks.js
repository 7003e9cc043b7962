// Shows the customer which fields the agent cannot see: each hidden or blocked element carries
// data-cobrowse-masked and a visible outline while a session is live. Removed when it ends.
export const MASKED_ATTR = "data-cobrowse-masked";
const STYLE_ID = "cobrowse-masked-style";
const OUTLINE = `[${MASKED_ATTR}] { outline: 2px dashed #e8590c !important; outline-offset: 2px !important; }`;

export class MaskMarks {
  /** @param {import('./policy.js').Policy} policy  @param {(count: number) => void} onChange */
  constructor(policy, onChange) {
    this.policy = policy;
    this.onChange = onChange;
    this.observer = null;
    this.pending = false;
    this.count = -1;
  }

  start() {
    if (this.observer) return;
    const style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = OUTLINE;
    (document.head || document.documentElement).append(style);
    this.observer = new MutationObserver(() => this.schedule());
    this.observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true,
      attributeFilter: ["type", "autocomplete", "class", "id", "name", "data-cobrowse-hidden", "data-cobrowse-blocked"] });
    this.mark();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    // Batched: a page rendering a thousand nodes costs one pass, not a thousand.
    requestAnimationFrame(() => {
      this.pending = false;
      this.mark();
    });
  }

  mark() {
    let selector = `${this.policy.hidden},${this.policy.blocked}`;
    let elements;
    try {
      elements = new Set(document.querySelectorAll(selector));
    } catch {
      selector = "input, textarea, select";
      elements = new Set(document.querySelectorAll(selector));
    }
    for (const element of document.querySelectorAll(`[${MASKED_ATTR}]`)) {
      if (!elements.has(element)) element.removeAttribute(MASKED_ATTR);
    }
    for (const element of elements) {
      if (!element.hasAttribute(MASKED_ATTR)) element.setAttribute(MASKED_ATTR, "");
    }
    if (elements.size !== this.count) {
      this.count = elements.size;
      this.onChange(this.count);
    }
  }

  stop() {
    if (this.observer) this.observer.disconnect();
    this.observer = null;
    document.getElementById(STYLE_ID)?.remove();
    for (const element of document.querySelectorAll(`[${MASKED_ATTR}]`)) element.removeAttribute(MASKED_ATTR);
  }
}
