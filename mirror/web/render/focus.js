// The customer's focus, shown in the render page. The replayer runs with triggerFocus false (its
// Focus events carry no :focus-visible state and would move focus at every replayed click);
// instead the capture says which node has focus and whether it shows a focus ring
// (embed/focus.js), and the node of the rebuilt page is focused the same way, so :focus,
// :focus-within and :focus-visible all match, inside shadow roots and frames too.
// Focus in the rebuilt page runs no captured script: it is sandboxed without scripts.
import { EventType } from "@rrweb/types";

export const FOCUS_TAG = "cobrowse-focus"; // embed/focus.js

export function isFocusEvent(event) {
  return event.type === EventType.Custom && event.data && event.data.tag === FOCUS_TAG
    && event.data.payload && typeof event.data.payload === "object";
}

function deepActive(doc) {
  let element = doc && doc.activeElement;
  while (element) {
    if (element.shadowRoot && element.shadowRoot.activeElement) element = element.shadowRoot.activeElement;
    else if (element.tagName === "IFRAME" && element.contentDocument && element.contentDocument.activeElement) {
      element = element.contentDocument.activeElement;
    } else break;
  }
  return element;
}

/** Apply a focus event: focus the node it names, or take focus away from the rebuilt page. */
export function showFocus(payload, getNode, iframe) {
  const id = Number.isInteger(payload.id) && payload.id > 0 ? payload.id : 0;
  const node = id ? getNode(id) : null;
  if (node && node.nodeType === 1 && typeof node.focus === "function") {
    node.focus({ preventScroll: true, focusVisible: payload.visible === true });
    return;
  }
  const active = deepActive(iframe && iframe.contentDocument);
  if (active && typeof active.blur === "function") active.blur();
}
