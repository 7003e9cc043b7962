// The customer's pointer and scrolls anchored to elements of the page, so the view shows them on
// the same elements where the mirror lays the page out otherwise (other fonts, another engine):
// render/hittest.js places them.
import { record } from "@rrweb/record";
import { IncrementalSource } from "@rrweb/types";
import { anchors } from "../dom.js";

/**
 * The customer's pointer (a move's positions, a click) with its place in the box of the element
 * it is over (fx, fy: fractions), so the view draws it over the same spot of that element where
 * the mirror lays the page out otherwise (other fonts, another engine). In place.
 */
export function anchorPointer(data) {
  const spots = data.source === IncrementalSource.MouseInteraction ? [data] : data.positions || [];
  for (const spot of spots) {
    const element = spot && record.mirror.getNode(spot.id);
    if (!element || element.nodeType !== 1 || typeof spot.x !== "number") continue;
    const box = element.getBoundingClientRect();
    if (!anchors(box)) continue;
    spot.fx = Math.min(1, Math.max(0, (spot.x - box.left) / box.width));
    spot.fy = Math.min(1, Math.max(0, (spot.y - box.top) / box.height));
  }
}

/**
 * A scroll with the element at the top of what it scrolled (the viewport, or a scrolling
 * element) and how far above that top it begins (dy, CSS pixels), so the view shows the same
 * element at its top where the mirror lays the page out otherwise. In place.
 */
export function anchorScroll(data) {
  const scrolled = record.mirror.getNode(data.id);
  if (!scrolled) return;
  const page = scrolled.nodeType === 9;
  const doc = page ? scrolled : scrolled.ownerDocument;
  const area = page ? { left: 0, top: 0, width: doc.defaultView.innerWidth, height: doc.defaultView.innerHeight }
    : scrolled.getBoundingClientRect();
  // The topmost element there that the scroll moves: a sticky header stays put whatever the
  // offset, so the content under it is the anchor. In a scrolling element, only what is inside
  // it moves: the elements around it do not.
  const moves = (e) => e && e !== scrolled && e !== doc.documentElement && e !== doc.body
    && (page || scrolled.contains(e)) && movesWith(e, scrolled);
  for (const below of TOP_PROBES) {
    if (below >= area.height) return;
    const element = doc.elementsFromPoint(area.left + area.width / 2, area.top + below)
      .map(sentOrAround).find(moves);
    if (element) {
      data.anchor = { id: record.mirror.getId(element), dy: element.getBoundingClientRect().top - area.top };
      return;
    }
  }
}

// How far below the top the element at the top is looked for (CSS pixels): the top line may
// fall in a gap between two elements (a paragraph's margin).
const TOP_PROBES = [1, 8, 16, 32, 64];

/** The element, or the nearest element around it that the capture has sent. */
function sentOrAround(element) {
  let found = element;
  while (found && record.mirror.getId(found) <= 0) found = found.parentElement;
  return found;
}

/** Whether scrolling `scrolled` moves the element: neither it nor an element around it up to
 * `scrolled` is fixed or sticky. */
function movesWith(element, scrolled) {
  const view = element.ownerDocument.defaultView;
  for (let node = element; node && node !== scrolled && node.nodeType === 1; node = node.parentElement) {
    const position = view.getComputedStyle(node).position;
    if (position === "fixed" || position === "sticky") return false;
  }
  return true;
}
