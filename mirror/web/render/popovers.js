// The customer's open popovers, shown in the render page: the capture names them in the order
// they opened (embed/popovers.js), and the same nodes of the rebuilt page are shown in that order
// (so they stack as on the customer's screen) and every other one hidden. Showing a popover runs
// no captured script: the rebuilt page is sandboxed without scripts, and this is the render page's.
import { EventType } from "@rrweb/types";

export const POPOVER_TAG = "cobrowse-popovers"; // embed/popovers.js

export function isPopoverEvent(event) {
  return event.type === EventType.Custom && event.data && event.data.tag === POPOVER_TAG
    && event.data.payload && Array.isArray(event.data.payload.open);
}

function isOpen(element) {
  try {
    return element.matches(":popover-open");
  } catch {
    return false;
  }
}

function toggle(element, open) {
  try {
    if (open) element.showPopover();
    else element.hidePopover();
  } catch {
    // Not a popover any more (an attribute changed since), or detached: nothing to show.
  }
}

/** Show the popovers ``payload.open`` names (rrweb ids) and hide every other one. */
export function showPopovers(payload, getNode, iframe) {
  const doc = iframe && iframe.contentDocument;
  if (!doc) return;
  const wanted = payload.open
    .filter((id) => Number.isInteger(id) && id > 0)
    .map((id) => getNode(id))
    .filter((node) => node && node.nodeType === 1 && node.hasAttribute("popover"));
  for (const element of doc.querySelectorAll("[popover]")) {
    if (!wanted.includes(element) && isOpen(element)) toggle(element, false);
  }
  for (const element of wanted) if (!isOpen(element)) toggle(element, true);
}
