// Layer 2 of masking, in the mirror: hidden and blocked elements are covered by opaque boxes
// drawn over the rebuilt page, read-only fields are greyed, and the boxes' rectangles are what
// the server paints over again in every frame (layer 3, mirror/redact.py).

export const MASK_COLOUR = "#c9ced8";

let policy = { hidden: "", readonly: "", blocked: "" };
let layer = null;
let rects = [];

function selectorOf(list, attribute) {
  return [...(list || []), `[${attribute}]`].join(",");
}

export function setPolicy({ hidden = [], readonly = [], blocked = [] } = {}) {
  policy = {
    hidden: selectorOf(hidden, "data-cobrowse-hidden"),
    readonly: selectorOf(readonly, "data-cobrowse-readonly"),
    blocked: selectorOf(blocked, "data-cobrowse-blocked"),
  };
}

/** CSS for the rebuilt document: read-only fields greyed (rrweb's insertStyleRules). */
export function styleRules() {
  return [`${policy.readonly} { filter: grayscale(1) !important; opacity: .55 !important; }`];
}

function safeMatches(element, selector) {
  try {
    return element.matches(selector);
  } catch {
    return true; // An invalid selector protects rather than leaks.
  }
}

function within(element, selector) {
  for (let node = element; node; node = node.parentNode || node.host) {
    if (node.nodeType === 1 && safeMatches(node, selector)) return true;
  }
  return false;
}

/** Why the agent may not act on `element` or anything inside it ("blocked", "masked",
 * "readonly"), or null. The customer's page applies the same rule (embed/policy.js). */
export function protection(element) {
  if (within(element, policy.blocked)) return "blocked";
  if (within(element, policy.hidden)) return "masked";
  if (within(element, policy.readonly)) return "readonly";
  return null;
}

/** Every element under `root` matching `selector`, shadow roots and same-origin frames included,
 * with the offset of the document it lives in. */
function deepQuery(root, selector, offset, found) {
  let matches = [];
  try {
    matches = root.querySelectorAll(selector);
  } catch {
    matches = root.querySelectorAll("input, textarea, select, [contenteditable]");
  }
  for (const element of matches) found.push([element, offset]);
  for (const element of root.querySelectorAll("*")) {
    if (element.shadowRoot) deepQuery(element.shadowRoot, selector, offset, found);
    if (element.tagName === "IFRAME" && element.contentDocument) {
      const box = element.getBoundingClientRect();
      deepQuery(element.contentDocument, selector, [offset[0] + box.left, offset[1] + box.top], found);
    }
  }
  return found;
}

/** Measure the hidden and blocked elements of the rebuilt page and draw the boxes over them. */
export function updateMasks(iframe) {
  const doc = iframe && iframe.contentDocument;
  if (!doc || !doc.documentElement) {
    rects = [];
    return rects;
  }
  const width = iframe.clientWidth;
  const height = iframe.clientHeight;
  const next = [];
  for (const [element, [dx, dy]] of deepQuery(doc, `${policy.hidden},${policy.blocked}`, [0, 0], [])) {
    for (const box of element.getClientRects()) {
      const left = Math.max(0, Math.floor(box.left + dx));
      const top = Math.max(0, Math.floor(box.top + dy));
      const right = Math.min(width, Math.ceil(box.right + dx));
      const bottom = Math.min(height, Math.ceil(box.bottom + dy));
      if (right > left && bottom > top) next.push([left, top, right - left, bottom - top]);
    }
  }
  rects = next;
  draw(rects);
  return rects;
}

function draw(list) {
  if (!layer) {
    layer = document.createElement("div");
    layer.id = "cobrowse-masks";
    document.body.append(layer);
  }
  while (layer.children.length > list.length) layer.lastChild.remove();
  while (layer.children.length < list.length) layer.append(document.createElement("div"));
  list.forEach(([x, y, w, h], i) => {
    layer.children[i].style.cssText = `position:absolute;left:${x}px;top:${y}px;width:${w}px;height:${h}px;background:${MASK_COLOUR}`;
  });
}

export function maskRects() {
  return rects;
}
