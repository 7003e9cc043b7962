// Layer 2 of masking, in the render page: hidden and blocked elements are painted as flat boxes by CSS
// inside the rebuilt page (so a box moves with its element in the very same frame), read-only
// fields are greyed, and the boxes' rectangles are what the server checks and paints over again
// in every frame (layer 3, mirror/frames/redact.py).

import { EventType, IncrementalSource } from "@rrweb/types";
import { closestDeep, descendantsDeep, matchesOrInvalid } from "../dom.js";

export const MASK_COLOUR = "#c9ced8";
// The capture's mark on its copy of every element hidden for the life of the customer's page,
// whatever its attributes became (embed/policy.js): hidden here like the policy's selectors.
export const KEPT_HIDDEN_ATTR = "data-cobrowse-kept-hidden";
// The customer's page outlines the fields the agent cannot see (embed/marks.js); its style comes
// along with the page, and the outline is the customer's to see, not the agent's.
const MARKED_ATTR = "data-cobrowse-masked";
// The capture's token of the customer's page load, on its Meta events (embed/capture.js).
const PAGE_KEY = "cobrowsePage";

let policy = { hidden: "", readonly: "", blocked: "" };

// rrweb's player overwrites autocomplete="off" on rebuilt fields, so the original value travels
// in this attribute too (see keepAutocomplete) and the policy's selectors are pointed at it.
export const AUTOCOMPLETE_COPY = "data-cobrowse-autocomplete";

function selectorOf(list, attribute) {
  return [...(list || []), `[${attribute}]`].join(",").replace(/\[\s*autocomplete\b/gi, `[${AUTOCOMPLETE_COPY}`);
}

function copyAutocomplete(attributes) {
  if (attributes && typeof attributes.autocomplete === "string") attributes[AUTOCOMPLETE_COPY] = attributes.autocomplete;
}

function walk(node) {
  if (!node || typeof node !== "object") return;
  copyAutocomplete(node.attributes);
  if (Array.isArray(node.childNodes)) node.childNodes.forEach(walk);
}

/** Copy each field's autocomplete into AUTOCOMPLETE_COPY in a captured event, before replay. */
export function keepAutocomplete(event) {
  if (event.type === EventType.FullSnapshot) walk(event.data && event.data.node);
  else if (event.type === EventType.IncrementalSnapshot && event.data
    && event.data.source === IncrementalSource.Mutation) {
    (event.data.adds || []).forEach((add) => walk(add.node));
    (event.data.attributes || []).forEach((change) => copyAutocomplete(change.attributes));
  }
}

export function setPolicy({ hidden = [], readonly = [], blocked = [] } = {}) {
  policy = {
    hidden: `${selectorOf(hidden, "data-cobrowse-hidden")},[${KEPT_HIDDEN_ATTR}]`,
    readonly: selectorOf(readonly, "data-cobrowse-readonly"),
    blocked: selectorOf(blocked, "data-cobrowse-blocked"),
  };
}

/** CSS for the rebuilt document (rrweb's insertStyleRules). */
export function styleRules() {
  const masked = `${policy.hidden},${policy.blocked}`;
  const flat = `background: ${MASK_COLOUR} !important; border-color: ${MASK_COLOUR} !important;`
    + " border-radius: 0 !important; box-shadow: none !important; background-image: none !important;"
    + " color: transparent !important; -webkit-text-fill-color: transparent !important;"
    + " text-shadow: none !important; caret-color: transparent !important; appearance: none !important;"
    + " outline: none !important;"; // The customer's own marking outline would bleed into the box in JPEG.
  return [
    `:is(${masked}) { ${flat} }`,
    `:is(${masked}) *, :is(${masked})::placeholder { visibility: hidden !important; }`,
    // The customer's caret is not shown: a blinking caret would make a new frame twice a second.
    "* { caret-color: transparent !important; }",
    `[${MARKED_ATTR}][${MARKED_ATTR}] { outline: none !important; }`,
    `${policy.readonly} { filter: grayscale(1) !important; opacity: .55 !important; }`,
  ];
}

/** Why the agent may not act on `element` or anything inside it ("blocked", "masked",
 * "readonly"), or null. The customer's page applies the same rule (embed/policy.js). */
export function protection(element) {
  if (closestDeep(element, policy.blocked)) return "blocked";
  if (closestDeep(element, policy.hidden)) return "masked";
  if (closestDeep(element, policy.readonly)) return "readonly";
  return null;
}

const sheets = new WeakMap(); // document of the rebuilt page -> its constructed mask sheet

function maskSheet(doc) {
  let sheet = sheets.get(doc);
  if (!sheet) {
    // Constructed in the document's own window: a sheet can only be adopted there.
    sheet = new doc.defaultView.CSSStyleSheet();
    styleRules().forEach((rule, index) => sheet.insertRule(rule, index));
    sheets.set(doc, sheet);
  }
  return sheet;
}

/**
 * The replayer puts styleRules() into each rebuilt document (frames included), but a style
 * never reaches into a shadow root: each one is given the same rules as an adopted sheet, again
 * after the captured page replaces its adopted sheets (called after each batch of events).
 */
export function maskShadowRoots(roots) {
  for (const root of roots.filter((found) => found.nodeType === Node.DOCUMENT_FRAGMENT_NODE)) {
    try {
      const sheet = maskSheet(root.ownerDocument);
      if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } catch {
      // A document mid-rebuild: the next batch tries again, and layer 3 paints the box anyway.
    }
  }
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

/** The rectangles of the hidden and blocked elements of the rebuilt page, as shown now. */
export function maskRects(iframe) {
  const doc = iframe && iframe.contentDocument;
  if (!doc || !doc.documentElement) return [];
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
  return next;
}

/** Every element inside `element` (itself first), through open shadow roots and frames. */
function* subtree(element) {
  yield element;
  yield* descendantsDeep(element);
}

function isCheckable(element) {
  return element.tagName === "INPUT" && (element.type === "checkbox" || element.type === "radio");
}

/** Serialised node ids of an added subtree. */
function* serialisedIds(node) {
  if (!node || typeof node !== "object") return;
  if (typeof node.id === "number") yield node.id;
  if (Array.isArray(node.childNodes)) for (const child of node.childNodes) yield* serialisedIds(child);
}

/**
 * Layers 2 and 3 keep hidden what they have seen hidden, as the capture does, so that they hold
 * without it: the rrweb ids of the elements seen hidden since the customer's page was loaded are
 * marked again after every event the player applies (before the frame is painted), and hidden
 * checkboxes and radios are shown unchecked (the site's `:checked + label` would tell).
 */
export class KeptHidden {
  /** @param {() => object|null} mirror the player's rrweb mirror (getNode, getId) */
  constructor(mirror) {
    this.mirror = mirror;
    this.ids = new Set();
    this.page = undefined; // the capture's token of the page load the ids belong to
  }

  /** After the player applied `event` to the rebuilt document `doc` ("event-cast"). */
  applied(event, doc) {
    try {
      this.apply(event, doc);
    } catch {
      // A document mid-rebuild: layer 1 marked what it knew, and the next event looks again.
    }
  }

  apply(event, doc) {
    const mirror = this.mirror();
    if (!mirror || !event || !doc || !doc.documentElement) return;
    if (event.type === EventType.Meta) {
      // Ids are the page load's: another load numbers its elements afresh.
      const page = (event.data && event.data[PAGE_KEY]) || null;
      if (page === null || page !== this.page) this.ids.clear();
      this.page = page;
    } else if (event.type === EventType.FullSnapshot) {
      this.look(doc.documentElement, mirror, true);
      this.mark([...this.ids], mirror);
    } else if (event.type === EventType.IncrementalSnapshot && event.data) {
      const data = event.data;
      if (data.source === IncrementalSource.Mutation) {
        const added = (data.adds || []).flatMap((add) => [...serialisedIds(add.node)]);
        const changed = (data.attributes || []).map((change) => change.id);
        this.mark([...added, ...changed], mirror);
        this.lookAdded(data.adds || [], mirror);
        // A changed element only: a style animated on a large container changes many times a second.
        for (const id of changed) this.look(mirror.getNode(id), mirror, false);
      } else if (data.source === IncrementalSource.Input) {
        const element = mirror.getNode(data.id);
        if (element && isCheckable(element) && (this.ids.has(data.id) || closestDeep(element, policy.hidden))) {
          element.checked = false;
        }
      }
    }
  }

  /** The added elements of a Mutation event. Only the outermost are looked at (an add whose
   * parent came in the same event lies inside one of them), and whether a parent lies in a
   * hidden area is asked once for all its added children: a snapshot's slices add thousands. */
  lookAdded(adds, mirror) {
    const ids = new Set(adds.map((add) => add.node && add.node.id));
    const around = new Map(); // parent id -> whether the parent lies in a hidden area
    for (const add of adds) {
      if (ids.has(add.parentId)) continue;
      const element = mirror.getNode(add.node && add.node.id);
      if (!element || element.nodeType !== 1) continue;
      if (!around.has(add.parentId)) {
        const parent = mirror.getNode(add.parentId);
        around.set(add.parentId, Boolean(parent && parent.nodeType === 1 && closestDeep(parent, policy.hidden)));
      }
      this.look(element, mirror, true, around.get(add.parentId));
    }
  }

  /** Remember `element` if it is hidden, or else (with `within`) the hidden elements inside
   * it, and everything inside those. `hiddenAround`: whether an element around it is hidden,
   * when known. */
  look(element, mirror, within, hiddenAround = null) {
    if (!element || element.nodeType !== 1) return;
    let hidden = [];
    const here = hiddenAround === null ? closestDeep(element, policy.hidden)
      : hiddenAround || matchesOrInvalid(element, policy.hidden);
    if (here) hidden = [element];
    else if (within) hidden = deepQuery(element, policy.hidden, [0, 0], []).map(([found]) => found);
    for (const area of hidden) {
      for (const node of subtree(area)) {
        const id = mirror.getId(node);
        if (id > 0) this.ids.add(id);
        if (isCheckable(node)) node.checked = false;
      }
    }
  }

  /** The remembered ones among `ids` marked hidden (again). */
  mark(ids, mirror) {
    for (const id of ids) {
      if (!this.ids.has(id)) continue;
      const element = mirror.getNode(id);
      if (element && element.nodeType === 1) {
        if (!element.hasAttribute(KEPT_HIDDEN_ATTR)) element.setAttribute(KEPT_HIDDEN_ATTR, "");
        if (isCheckable(element)) element.checked = false;
      }
    }
  }
}
