// The session's masking policy, sent by the server when the session starts (a page cannot weaken
// it: the server checks every action again). Sites may also mark elements themselves with
// data-cobrowse-hidden, data-cobrowse-readonly and data-cobrowse-blocked.
import { closestDeep, descendantsDeep, matchesOrInvalid } from "../dom.js";

// The attribute the capture puts on the serialised copy of every hidden element (never on the
// page's own element), which the render page hides like the policy's selectors (render/masks.js).
export const KEPT_HIDDEN_ATTR = "data-cobrowse-kept-hidden";

function selectorOf(list, attribute) {
  return [...(list || []), `[${attribute}]`].join(",");
}

/** The frame element showing `doc`, when the page may reach it (same origin). */
function frameOf(doc) {
  try {
    return (doc.defaultView && doc.defaultView.frameElement) || null;
  } catch {
    return null;
  }
}

/** The element around `node`: its parent, a shadow root's host, or a same-origin frame's
 * element for the frame's document. */
function outerOf(node) {
  for (let next = node; ;) {
    next = next.parentNode || next.host || (next.nodeType === 9 ? frameOf(next) : null);
    if (!next || next.nodeType === 1) return next;
  }
}

/** `element`, then each element around it (see outerOf). */
function* enclosing(element) {
  for (let node = element; node; node = outerOf(node)) yield node;
}

function isRadio(element) {
  return element.tagName === "INPUT" && String(element.type).toLowerCase() === "radio" && Boolean(element.name);
}

// Hidden is for the life of the page, through every session on it: a "show password" button
// switching a field to type=text, or a field moved out of a hidden container, must not reveal
// it. Every element found hidden is remembered; the references let marks.js outline them.
const remembered = new WeakSet();
const references = new Set(); // WeakRefs of the remembered elements

export class Policy {
  constructor({ hidden = [], readonly = [], blocked = [], agent_can_submit = false } = {}) {
    this.hidden = selectorOf(hidden, "data-cobrowse-hidden");
    this.readonly = selectorOf(readonly, "data-cobrowse-readonly");
    this.blocked = selectorOf(blocked, "data-cobrowse-blocked");
    this.agentCanSubmit = Boolean(agent_can_submit);
    this.remembered = remembered;
    this.references = references;
  }

  /** Hidden: the element, a container of it (through shadow hosts and same-origin frames) or a
   * radio of its group matches the hidden selectors, or did when it was seen before. */
  isHidden(node) {
    const element = node && node.nodeType !== 1 ? outerOf(node) : node;
    if (!element) return false;
    if (this.hiddenAround(element) || (isRadio(element) && this.groupHidden(element))) {
      this.remember(element);
      return true;
    }
    return false;
  }

  /** Hidden through the element itself (its own selector match or memory), without looking at
   * the elements around it: for a walk from the top down, which knows about those already. */
  isHiddenItself(element) {
    if (this.remembered.has(element)) return true;
    if (matchesOrInvalid(element, this.hidden) || (isRadio(element) && this.groupHidden(element))) {
      this.hold(element);
      return true;
    }
    return false;
  }

  /** The element or one around it matches, or was remembered. */
  hiddenAround(element) {
    for (const node of enclosing(element)) {
      if (this.remembered.has(node)) return true;
      if (matchesOrInvalid(node, this.hidden)) {
        this.hold(node);
        return true;
      }
    }
    return false;
  }

  /** Which radio of a group is checked shows in the others: one hidden radio hides its group. */
  groupHidden(radio) {
    let group = [];
    try {
      group = radio.getRootNode().querySelectorAll("input[type=radio i]");
    } catch {
      return false;
    }
    for (const other of group) {
      if (other !== radio && other.name === radio.name && other.form === radio.form && this.hiddenAround(other)) {
        return true;
      }
    }
    return false;
  }

  /** Remember an element found hidden, and the first time, everything inside it: a field
   * later moved out of a hidden container stays hidden too. */
  hold(element) {
    if (this.remembered.has(element)) return;
    this.remember(element);
    for (const inner of descendantsDeep(element)) this.remember(inner);
  }

  remember(element) {
    if (this.remembered.has(element)) return;
    this.remembered.add(element);
    this.references.add(new WeakRef(element));
  }

  /** The remembered elements still on the page whose container is not hidden: hidden only
   * because they were (the outermost of each hidden area, for marks.js). */
  kept() {
    const found = [];
    for (const reference of this.references) {
      const element = reference.deref();
      if (!element) {
        this.references.delete(reference);
        continue;
      }
      if (!element.isConnected) continue;
      const outer = outerOf(element);
      if (!outer || !this.hiddenAround(outer)) found.push(element);
    }
    return found;
  }

  isReadonly(element) {
    return Boolean(element && closestDeep(element, this.readonly));
  }

  isBlocked(element) {
    return Boolean(element && closestDeep(element, this.blocked));
  }

  /** Why the agent may not act on `element`, or null. */
  refusal(element) {
    if (this.isBlocked(element)) return "blocked";
    if (this.isHidden(element)) return "masked";
    if (this.isReadonly(element)) return "readonly";
    return null;
  }
}
