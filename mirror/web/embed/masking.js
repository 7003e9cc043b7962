// What the capture masks in rrweb's serialised events, beyond rrweb's own options: elements
// hidden for the life of the page (policy.js) whatever their attributes became, text under
// hidden elements in shadow roots and frames, and the on/off state of hidden checkboxes and
// radios, which rrweb sends without any mask function. capture.js applies it to every event.
import { KEPT_HIDDEN_ATTR } from "./policy.js";

export const HIDDEN_MASK = "••••••";
// A control's on/off state, which the site's own CSS (`:checked + label`) would show.
const STATE_ATTRIBUTES = ["checked", "selected", "aria-checked", "aria-pressed", "aria-selected"];
const UNMASKED_TEXT_PARENTS = new Set(["style", "script"]); // Style sheets and placeholders.

/** Whitespace between a hidden container's children reveals nothing and stays: masked, it
 * would become lines of its own and make the box taller in the view than on the page. */
export function maskText(text) {
  return text && text.trim() ? HIDDEN_MASK : text;
}

function isCheckable(element) {
  return element.tagName === "INPUT" && ["checkbox", "radio"].includes(String(element.type).toLowerCase());
}

/** A hidden element's serialised attributes (a snapshot's, or a change's): marked for the
 * render page, without its on/off state, its value attribute masked. */
function maskHiddenAttributes(attributes) {
  attributes[KEPT_HIDDEN_ATTR] = "";
  for (const name of STATE_ATTRIBUTES) delete attributes[name];
  // A field switched to a type without a typed value (checkbox, button, hidden) moves its
  // value into the attribute (HTML's value mode "default").
  if (typeof attributes.value === "string" && attributes.value) attributes.value = HIDDEN_MASK;
}

/**
 * A serialised element of a snapshot or an added subtree, in place; returns whether it is
 * hidden (so is everything inside it). `element` is the page's element it was made from.
 * @param {import('./policy.js').Policy} policy
 */
export function maskElement(node, element, hiddenAbove, policy) {
  const attributes = node.attributes || (node.attributes = {});
  if (!element) {
    // Not an element of this page: a frame's own capture (frames.js), masked there.
    const hidden = hiddenAbove || KEPT_HIDDEN_ATTR in attributes;
    if (hidden) maskHiddenAttributes(attributes);
    return hidden;
  }
  if (hiddenAbove) policy.remember(element);
  const hidden = hiddenAbove || policy.isHiddenItself(element);
  if (hidden) maskHiddenAttributes(attributes);
  else delete attributes[KEPT_HIDDEN_ATTR]; // The attribute is the capture's, never the page's.
  return hidden;
}

/** A serialised text node under a hidden element, in place. */
export function maskTextNode(node, parentTag) {
  if (!UNMASKED_TEXT_PARENTS.has(parentTag) && typeof node.textContent === "string") {
    node.textContent = maskText(node.textContent);
  }
}

/** An attribute change of a mutation ({id, attributes}), in place. */
export function maskChange(change, element, policy) {
  const attributes = change.attributes;
  if (!attributes || typeof attributes !== "object" || !element) return; // No element: a frame's.
  if (policy.isHidden(element)) maskHiddenAttributes(attributes);
  else delete attributes[KEPT_HIDDEN_ATTR];
}

/** A text change of a mutation ({id, value}) of the page's text node `node`, in place. */
export function maskTextChange(change, node, policy) {
  const parent = node && node.parentNode;
  if (!parent || parent.nodeType !== 1 || UNMASKED_TEXT_PARENTS.has(parent.tagName.toLowerCase())) return;
  if (policy.isHidden(parent)) change.value = maskText(change.value);
}

/** An input event ({id, text, isChecked}) of the page's `element`, in place; false when it must
 * not leave at all: a hidden checkbox's or radio's event says whether it is checked. */
export function maskInput(data, element, policy) {
  if (!element || !policy.isHidden(element)) return true;
  if (isCheckable(element) || data.isChecked) return false;
  data.text = HIDDEN_MASK;
  data.isChecked = false;
  return true;
}
