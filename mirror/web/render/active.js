// The customer's :active element (a button held down), shown in the render page. rrweb replays mouse
// downs and ups as events but no pressed state, and a page cannot force :active on itself; so
// while the customer presses, the pressed element and its ancestors carry ACTIVE_ATTR, and each
// style root of the rebuilt page gets a copy of its :active rules written for that attribute
// (same specificity: an attribute selector weighs as much as a pseudo-class). The copies go in a
// sheet of their own: the captured sheets' rule indexes must stay as the customer's page has them.
import { EventType, IncrementalSource, MouseInteractions } from "@rrweb/types";

const PRESS = new Set([MouseInteractions.MouseDown, MouseInteractions.TouchStart]);
const RELEASE = new Set([MouseInteractions.MouseUp, MouseInteractions.Click, MouseInteractions.ContextMenu,
  MouseInteractions.TouchEnd, MouseInteractions.TouchCancel]);
export const ACTIVE_ATTR = "data-cobrowse-active";
const SHEET_ID = "cobrowse-active-rules";
const ACTIVE = /:active\b/g;
const CONDITIONS = { CSSMediaRule: "@media", CSSSupportsRule: "@supports" }; // Rules inside are copied.

/** The press or release an event is, if any: {press: boolean, id}. */
export function pressOf(event) {
  if (event.type !== EventType.IncrementalSnapshot || !event.data) return null;
  if (event.data.source !== IncrementalSource.MouseInteraction) return null;
  const kind = event.data.type;
  if (PRESS.has(kind)) return { press: true, id: event.data.id };
  if (RELEASE.has(kind)) return { press: false, id: event.data.id };
  return null;
}

/** The rules of `rules` (recursively through @media and @supports) that use :active, rewritten. */
function activeCopies(rules, out = []) {
  for (const rule of rules) {
    if (rule.selectorText !== undefined) {
      if (rule.selectorText.includes(":active")) {
        out.push(`${rule.selectorText.replace(ACTIVE, `[${ACTIVE_ATTR}]`)} { ${rule.style.cssText} }`);
      }
    } else if (CONDITIONS[rule.constructor.name]) {
      const inner = activeCopies(rule.cssRules);
      if (inner.length) out.push(`${CONDITIONS[rule.constructor.name]} ${rule.conditionText} { ${inner.join("\n")} }`);
    }
  }
  return out;
}

function sheetRules(sheet) {
  try {
    return sheet.cssRules;
  } catch {
    return []; // Not readable: no copies from it.
  }
}

/** Give `root` (a document or shadow root) the copies of its :active rules, once per press. */
function writeCopies(root) {
  const doc = root.nodeType === 9 ? root : root.ownerDocument;
  const sheets = [...root.styleSheets, ...(root.adoptedStyleSheets || [])];
  const copies = sheets.flatMap((sheet) => (sheet.ownerNode && sheet.ownerNode.id === SHEET_ID ? [] : activeCopies(sheetRules(sheet))));
  let style = root.nodeType === 9 ? root.getElementById(SHEET_ID) : root.querySelector(`#${SHEET_ID}`);
  if (!copies.length) return style && style.remove();
  if (!style) {
    style = doc.createElement("style");
    style.id = SHEET_ID;
    (root.nodeType === 9 ? root.head || root.documentElement : root).append(style);
  }
  const text = copies.join("\n");
  if (style.textContent !== text) style.textContent = text;
}

export class PressedState {
  constructor(getNode) {
    this.getNode = getNode;
    this.pressed = []; // elements carrying ACTIVE_ATTR
  }

  /** Apply a press or release (after the replayer has applied the event). */
  apply(press) {
    this.release();
    if (!press.press) return;
    const node = this.getNode(press.id);
    if (!node || node.nodeType !== 1) return;
    // :active matches the pressed element and its ancestors, across shadow boundaries.
    const roots = new Set();
    for (let element = node; element; element = element.parentElement || element.getRootNode().host) {
      element.setAttribute(ACTIVE_ATTR, "");
      this.pressed.push(element);
      roots.add(element.getRootNode());
    }
    for (const root of roots) {
      try {
        writeCopies(root);
      } catch {
        // A root mid-rebuild: it shows no pressed state this time.
      }
    }
  }

  release() {
    for (const element of this.pressed) element.removeAttribute(ACTIVE_ATTR);
    this.pressed = [];
  }
}
