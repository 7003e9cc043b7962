// DOM helpers shared by the customer's page (policy, player) and the render page (hit-testing).

/** Whether `node` is an instance of the DOM interface `name` (such as "HTMLInputElement") of
 * its own window: an element of a same-origin frame fails `instanceof` against this page's. */
export function isA(node, name) {
  const view = node && node.ownerDocument && node.ownerDocument.defaultView;
  return Boolean(view && view[name] && node instanceof view[name]);
}

/** Whether `element` matches `selector`. An invalid selector counts as a match: for masking
 * rules it protects rather than leaks. */
export function matchesOrInvalid(element, selector) {
  try {
    return element.matches(selector);
  } catch {
    return true;
  }
}

/** The nearest element from `element` up (through shadow roots to their hosts) that matches
 * `selector` (an invalid one matches, see matchesOrInvalid). */
export function closestDeep(element, selector) {
  for (let node = element; node; node = node.parentNode || node.host) {
    if (node.nodeType === 1 && matchesOrInvalid(node, selector)) return node;
  }
  return null;
}

/** Whether activating `element` (or the control around it) would submit its form. */
export function isSubmitControl(element) {
  const control = closestDeep(element, "button, input[type=submit], input[type=image]");
  if (!control || control.disabled || !control.form) return false;
  return control.tagName !== "BUTTON" || (control.getAttribute("type") || "submit").toLowerCase() === "submit";
}

/** The control that a click on `element` activates through a <label> around it (its `for`
 * target, or else the first labelable element inside it), when that is another element than
 * the one clicked: the browser toggles or presses it for untrusted clicks too. */
export function labelledControl(element) {
  const label = closestDeep(element, "label");
  const control = label && isA(label, "HTMLLabelElement") ? label.control : null;
  return control && control !== element ? control : null;
}

// Input types from which Chromium does not submit the form on Enter.
const NO_IMPLICIT_SUBMISSION = ["checkbox", "button", "reset", "file", "color", "hidden"];

/** Whether a person's Enter in `element` submits its form (implicit submission). Counted even
 * when the browser would not (a form of several fields and no submit button): safe side. */
export function submitsOnEnter(element) {
  return isA(element, "HTMLInputElement") && !element.disabled && Boolean(element.form)
    && !NO_IMPLICIT_SUBMISSION.includes(element.type);
}

/** Every element under `element` (not itself), through open shadow roots and same-origin
 * frames: what a protection of `element` covers. */
export function* descendantsDeep(element) {
  const roots = [element];
  while (roots.length) {
    const root = roots.pop();
    if (root.shadowRoot) roots.push(root.shadowRoot);
    for (const node of root.querySelectorAll("*")) {
      yield node;
      if (node.shadowRoot) roots.push(node.shadowRoot);
      const doc = node.tagName === "IFRAME" || node.tagName === "FRAME" ? frameDocument(node) : null;
      if (doc && doc.documentElement) {
        yield doc.documentElement;
        roots.push(doc.documentElement);
      }
    }
  }
}

/** The open shadow roots and same-origin frames' documents under `root` (a document or an
 * element), however deep. */
export function rootsDeep(root) {
  const found = [];
  for (const node of descendantsDeep(root)) {
    if (node.shadowRoot) found.push(node.shadowRoot);
    const doc = node.tagName === "IFRAME" || node.tagName === "FRAME" ? frameDocument(node) : null;
    if (doc && doc.documentElement) found.push(doc);
  }
  return found;
}

/** A frame's document, or null when it is of another origin (reading it throws). */
export function frameDocument(frame) {
  try {
    return frame.contentDocument || null;
  } catch {
    return null;
  }
}

// A pointer over an element no larger than this (CSS pixels²: a card, a paragraph, a field, a
// button) is placed by its place in the element's box, on both sides.
const ANCHOR_MAX_AREA = 250_000;

/** Whether a pointer over an element with this box is placed by its place in the box. A large
 * box (the body, a full-width section) may differ in height between two layouts for reasons of
 * its own (the widget's placeholder in the mirror): there the point itself is kept. */
export function anchors(box) {
  return box.width > 0 && box.height > 0 && box.width * box.height <= ANCHOR_MAX_AREA;
}
