// What lies under a point of the rebuilt page, for the server to turn an agent's pointer into an
// event script addressed to an rrweb node id (and, for Enter and Space, what the agent's focus
// is, so they are checked as clicks are). Also draws the option list of a <select> the agent
// clicked (a native picker never shows in a screencast), so picking an option is pixels too.

import { anchors, closestDeep, isSubmitControl, labelledControl, submitsOnEnter } from "../dom.js";
import { protection } from "./masks.js";
import { EventType, IncrementalSource } from "@rrweb/types";

const POINTER_SOURCES = new Set([IncrementalSource.MouseMove, IncrementalSource.TouchMove]);

const FOCUSABLE = "input, select, textarea, button, a[href], area[href], [contenteditable=''], [contenteditable='true'], [tabindex]";

/** The innermost element at a point, through open shadow roots (web components) and frames
 * (every frame is rebuilt here, so readable; a private frame's placeholder has no node id). */
function deepElementFromPoint(doc, x, y) {
  let element = doc.elementFromPoint(x, y);
  while (element) {
    let inner = null;
    if (element.shadowRoot) {
      inner = element.shadowRoot.elementFromPoint(x, y);
    } else if (element.tagName === "IFRAME" && element.contentDocument) {
      const box = element.getBoundingClientRect();
      x -= box.left + element.clientLeft;
      y -= box.top + element.clientTop;
      inner = element.contentDocument.elementFromPoint(x, y);
    }
    if (!inner || inner === element) break;
    element = inner;
  }
  return element;
}

class OptionPicker {
  constructor() {
    this.list = null;
    this.selectId = null;
  }

  open(select, selectId, iframe) {
    this.close();
    const rect = select.getBoundingClientRect();
    const frame = iframe.getBoundingClientRect();
    const list = document.createElement("div");
    list.className = "cobrowse-picker";
    list.style.left = `${frame.left + rect.left}px`;
    list.style.top = `${frame.top + rect.bottom}px`;
    list.style.minWidth = `${rect.width}px`;
    for (const option of select.options) {
      const item = document.createElement("div");
      item.className = "cobrowse-option" + (option.selected ? " selected" : "") + (option.disabled ? " disabled" : "");
      item.textContent = option.label || option.text;
      item.dataset.value = option.value;
      list.append(item);
    }
    document.body.append(list);
    this.list = list;
    this.selectId = selectId;
  }

  hit(x, y) {
    if (!this.list) return null;
    const item = document.elementFromPoint(x, y);
    if (!item || !this.list.contains(item)) return null;
    const option = item.closest(".cobrowse-option");
    if (!option || option.classList.contains("disabled")) return { select: this.selectId, option: null };
    return { select: this.selectId, option: option.dataset.value };
  }

  close() {
    if (this.list) this.list.remove();
    this.list = null;
  }
}

const picker = new OptionPicker();

/** What acting on `element` (rrweb id `id`) would do, as replay.hit.Hit, judged as the customer's
 * page judges it (replay/web/player.js): a click on a label counts as one on its control too,
 * since the browser passes it on. */
function describe(element, id) {
  const link = closestDeep(element, "a[href], area[href]");
  const focusable = closestDeep(element, FOCUSABLE);
  const control = labelledControl(element);
  return {
    inside: true,
    node: id,
    tag: element.tagName.toLowerCase(),
    submit: isSubmitControl(element) || Boolean(control && isSubmitControl(control)),
    enter_submits: submitsOnEnter(element),
    href: link ? link.href : null,
    focusable: Boolean(focusable && !focusable.disabled),
    protected: protection(element) || (control && protection(control)) || null,
  };
}

export function hitTest(replayer, x, y) {
  const iframe = replayer && replayer.iframe;
  const win = iframe && iframe.contentWindow;
  if (!win || !(x >= 0 && y >= 0 && x < win.innerWidth && y < win.innerHeight)) return { inside: false };
  const picked = picker.hit(x, y);
  picker.close();
  if (picked) return picked.option === null ? { inside: true } : { inside: true, ...picked };
  const element = deepElementFromPoint(iframe.contentDocument, x, y);
  const mirror = replayer.getMirror();
  const id = element ? mirror.getId(element) : -1;
  if (!element || id < 0) return { inside: true };
  const hit = describe(element, id);
  if (element.tagName === "OPTION" && element.parentElement && element.closest("select")) {
    const select = element.closest("select");
    return { ...hit, select: mirror.getId(select), option: element.value, protected: protection(select) };
  }
  if (element.tagName === "SELECT" && !element.multiple && !element.disabled && !hit.protected) picker.open(element, id, iframe);
  return hit;
}

/** The element under the view point (x, y) and where in its box the point is (fractions of
 * its width and height), or null: the agent's pointer is drawn at the same spot of the same
 * element on the customer's page, whose layout may differ (other fonts). No side effects. */
export function anchorAt(replayer, x, y) {
  const iframe = replayer && replayer.iframe;
  const win = iframe && iframe.contentWindow;
  if (!win || !(x >= 0 && y >= 0 && x < win.innerWidth && y < win.innerHeight)) return null;
  const element = deepElementFromPoint(iframe.contentDocument, x, y);
  const id = element ? replayer.getMirror().getId(element) : -1;
  if (id <= 0) return null;
  const box = element.getBoundingClientRect();
  if (!anchors(box)) return null;
  const fraction = (value) => Math.min(1, Math.max(0, value));
  return { node: id, fx: fraction((x - box.left) / box.width), fy: fraction((y - box.top) / box.height) };
}

/** The customer's pointer (a move's positions, a click) at the same spot of the element it is
 * over, as the capture measured it in that element's box (fx, fy), whatever that element's
 * place in this page's layout. In place; a position without them keeps its point. */
export function placePointer(event, mirror) {
  const data = event && event.type === EventType.IncrementalSnapshot ? event.data : null;
  if (!data) return;
  const pointer = POINTER_SOURCES.has(data.source) ? data.positions || []
    : data.source === IncrementalSource.MouseInteraction ? [data] : [];
  for (const spot of pointer) {
    if (!spot || typeof spot.fx !== "number" || typeof spot.fy !== "number") continue;
    const element = mirror.getNode(spot.id);
    const box = element && element.nodeType === 1 ? element.getBoundingClientRect() : null;
    if (!box || !anchors(box)) continue;
    spot.x = box.left + spot.fx * box.width;
    spot.y = box.top + spot.fy * box.height;
  }
}

/** After the player applied a scroll of the customer's (`data`): the element that was at the
 * top of what scrolled is put at the same distance from its top here, where the layout may
 * differ from the customer's. */
export function placeScroll(data, mirror) {
  const anchor = data && data.anchor;
  if (!anchor || typeof anchor.dy !== "number") return;
  const scrolled = mirror.getNode(data.id);
  const element = mirror.getNode(anchor.id);
  if (!scrolled || !element || element.nodeType !== 1) return;
  const doc = scrolled.nodeType === 9 ? scrolled : scrolled.ownerDocument;
  const top = scrolled.nodeType === 9 ? 0 : scrolled.getBoundingClientRect().top;
  const off = element.getBoundingClientRect().top - top - anchor.dy;
  if (Math.abs(off) < 1) return;
  if (scrolled.nodeType === 9) doc.defaultView.scrollBy({ top: off, behavior: "instant" });
  else scrolled.scrollBy({ top: off, behavior: "instant" });
}

/** What the agent's keys would reach at node `id` (the agent's focus), for the server to check
 * Enter and Space as it checks clicks; null when the node is not in the rebuilt page. */
export function describeNode(replayer, id) {
  const element = replayer && Number.isInteger(id) ? replayer.getMirror().getNode(id) : null;
  return element && element.nodeType === 1 ? describe(element, id) : null;
}

const TABBABLE = "a[href], area[href], button, input:not([type=hidden]), select, textarea, [contenteditable=''], [contenteditable='true'], [tabindex]";

/** The node Tab (or Shift+Tab) moves the agent's focus to from node `fromId`, in tab order. */
export function nextFocus(replayer, fromId, backwards) {
  const doc = replayer && replayer.iframe && replayer.iframe.contentDocument;
  if (!doc) return null;
  const mirror = replayer.getMirror();
  const all = Array.from(doc.querySelectorAll(TABBABLE)).filter((el) =>
    !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0 && mirror.getId(el) > 0 && !protection(el));
  const ordered = [...all.filter((el) => el.tabIndex > 0).sort((a, b) => a.tabIndex - b.tabIndex), ...all.filter((el) => el.tabIndex === 0)];
  if (!ordered.length) return null;
  const index = fromId == null ? -1 : ordered.indexOf(mirror.getNode(fromId));
  const next = index < 0 ? (backwards ? ordered.length - 1 : 0) : index + (backwards ? -1 : 1);
  return mirror.getId(ordered[(next + ordered.length) % ordered.length]);
}
