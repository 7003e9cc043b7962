// The player: replays the agent's event scripts on the customer's page (the master). A script
// names an rrweb node id; the player finds the element through the recorder's mirror, checks
// again that the agent may act on it, and dispatches what a person's action would cause. It
// evaluates nothing it receives.
import { closestDeep, isA, isSubmitControl, labelledControl, submitsOnEnter } from "../../mirror/web/dom.js";
import { answer } from "./script.js";
import { deleteText, insertText, isTextField, moveCaret, selectAll, setValue, stepSelect } from "./editing.js";

const WIDGET = "[data-cobrowse-widget]";
// What Enter and Space press, as a person's keys would (a click on it).
const PRESSED_BY_KEYS = "button, a[href], input[type=checkbox], input[type=radio]";
const Activation = Object.freeze({ SUBMIT: "submit", CLICK: "click" });

/** What a person's `key` on `target` would set off: a submission (Enter in a form's field), a
 * click (Enter or Space on a button, link, checkbox or radio) or nothing (null). */
function keyActivation(key, target) {
  if (key === "Enter" && submitsOnEnter(target)) return Activation.SUBMIT;
  if ((key === "Enter" || key === " ") && closestDeep(target, PRESSED_BY_KEYS)) return Activation.CLICK;
  return null;
}

function pointerInit(action, element, extra = {}) {
  return { bubbles: true, cancelable: true, composed: true, view: window, clientX: action.x, clientY: action.y,
    button: action.button || 0, detail: action.count || 1, ...extra };
}

export class Player {
  /**
   * @param {{getNode: (id: number) => Node|null, send: (m: object) => void,
   *          policy: import('../../mirror/web/embed/policy.js').Policy, pointer: {move: (x: number, y: number) => void},
   *          mayAct?: () => boolean}} deps  `mayAct`: the customer lets the agent act (else it only points)
   */
  constructor({ getNode, send, policy, pointer, mayAct = () => true }) {
    Object.assign(this, { getNode, send, policy, pointer, mayAct });
    this.dispatching = null; // The seq of the script being dispatched, while it is.
    this.onSubmit = (event) => {
      if (this.dispatching === null || this.policy.agentCanSubmit) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      this.refuse("submit");
    };
    window.addEventListener("submit", this.onSubmit, true);
  }

  destroy() {
    window.removeEventListener("submit", this.onSubmit, true);
  }

  /** May the agent act on `element`? The reason it may not, or null. */
  refusal(action, element) {
    if (!element) return null;
    if (!element.isConnected) return "detached";
    if (closestDeep(element, WIDGET)) return "widget";
    // Scrolling over a protected element reveals nothing: only pointer and keys on it are refused.
    if (action.kind === "wheel") return null;
    return this.policy.refusal(element) || (action.kind === "click" ? this.clickRefusal(element) : null);
  }

  /** Why a click on `element` is refused: it submits, follows a link to another origin, or
   * (through a label) presses a control the agent may not touch. */
  clickRefusal(element) {
    const control = labelledControl(element);
    const reason = control && this.policy.refusal(control);
    if (reason) return reason;
    if (!this.policy.agentCanSubmit && (isSubmitControl(element) || (control && isSubmitControl(control)))) return "submit";
    const link = closestDeep(element, "a[href], area[href]");
    if (link && new URL(link.href, location.href).origin !== location.origin) return "cross_origin_link";
    return null;
  }

  /** Why the agent's key may not go to `target`. Checked before the keydown: the page's own
   * handlers act on it, and a page may submit or navigate from there. */
  keyRefusal(action, target) {
    if (closestDeep(target, WIDGET)) return "widget";
    const reason = this.policy.refusal(target);
    if (reason) return reason;
    const activation = keyActivation(action.key, target);
    if (activation === Activation.SUBMIT) return this.policy.agentCanSubmit ? null : "submit";
    return activation === Activation.CLICK ? this.clickRefusal(target) : null;
  }

  run(script) {
    const { seq, action } = script;
    if (action.kind === "pointer") return this.pointer.move(...this.pointAt(action));
    if (!this.mayAct()) return this.send(answer.refused(seq, "not_allowed"));
    const element = action.node === null || action.node === undefined ? null : this.getNode(action.node);
    if (action.node != null && !element) return this.send(answer.refused(seq, "unknown_node"));
    const reason = this.refusal(action, element);
    if (reason) return this.send(answer.refused(seq, reason));
    this.dispatching = seq;
    this.answered = false;
    try {
      this[action.kind](action, element);
    } finally {
      this.dispatching = null;
    }
    if (!this.answered) this.send(answer.applied(seq));
  }

  /** Where the agent's pointer goes: the same spot of the element it is over in the view (the
   * customer's layout may differ: other fonts, another engine), else the view's point. */
  pointAt(action) {
    const element = action.node == null ? null : this.getNode(action.node);
    if (!element || !element.isConnected || typeof element.getBoundingClientRect !== "function") {
      return [action.x, action.y];
    }
    const box = element.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) return [action.x, action.y];
    return [box.left + (action.fx || 0) * box.width, box.top + (action.fy || 0) * box.height];
  }

  /** Answer the script being dispatched with a refusal (once: a refused script is not applied). */
  refuse(reason) {
    if (this.answered) return;
    this.answered = true;
    this.send(answer.refused(this.dispatching, reason));
  }

  click(action, element) {
    this.pointer.move(action.x, action.y);
    element.dispatchEvent(new PointerEvent("pointerdown", pointerInit(action, element, { pointerType: "mouse", isPrimary: true })));
    element.dispatchEvent(new MouseEvent("mousedown", pointerInit(action, element)));
    const focusable = closestDeep(element, "input, select, textarea, button, a[href], [tabindex], [contenteditable]");
    if (focusable && typeof focusable.focus === "function") focusable.focus({ preventScroll: true });
    else if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur(); // As a click on plain content does.
    element.dispatchEvent(new PointerEvent("pointerup", pointerInit(action, element, { pointerType: "mouse", isPrimary: true })));
    element.dispatchEvent(new MouseEvent("mouseup", pointerInit(action, element)));
    element.dispatchEvent(new MouseEvent("click", pointerInit(action, element))); // Activates: checks, follows links.
    if (action.count === 2) element.dispatchEvent(new MouseEvent("dblclick", pointerInit(action, element)));
  }

  wheel(action, element) {
    const event = new WheelEvent("wheel", { ...pointerInit(action, element), deltaX: action.dx, deltaY: action.dy, deltaMode: 0 });
    if (!element.dispatchEvent(event)) return;
    scrollFrom(element, action.dx, action.dy);
  }

  focus(action, element) {
    element.focus({ preventScroll: false });
  }

  select(action, element) {
    if (!isA(element, "HTMLSelectElement")) return this.refuse("not_a_select");
    if (!Array.from(element.options).some((o) => o.value === action.value && !o.disabled)) return this.refuse("no_such_option");
    element.focus({ preventScroll: true });
    setValue(element, action.value, "insertReplacementText");
  }

  text(action, element) {
    if (!isTextField(element) && !element.isContentEditable) return this.refuse("not_editable");
    if (element.disabled || element.readOnly) return this.refuse("readonly");
    const single = action.text.length === 1;
    const keyInit = { key: action.text, bubbles: true, cancelable: true, composed: true };
    if (single && !element.dispatchEvent(new KeyboardEvent("keydown", keyInit))) return;
    insertText(element, action.text);
    if (single) element.dispatchEvent(new KeyboardEvent("keyup", keyInit));
  }

  key(action, element) {
    const target = element || document.activeElement || document.body;
    const reason = this.keyRefusal(action, target);
    if (reason) return this.refuse(reason);
    const init = { key: action.key, code: action.code, ctrlKey: action.ctrl, shiftKey: action.shift,
      altKey: action.alt, metaKey: action.meta, bubbles: true, cancelable: true, composed: true };
    const proceed = target.dispatchEvent(new KeyboardEvent("keydown", init));
    if (proceed) this.keyDefault(action, target);
    (document.activeElement || target).dispatchEvent(new KeyboardEvent("keyup", init));
  }

  /** What the browser would do for a trusted key. */
  keyDefault(action, target) {
    const { key } = action;
    const editable = isTextField(target) || target.isContentEditable;
    if ((action.ctrl || action.meta) && key.toLowerCase() === "a") return selectAll(target);
    if (editable && !target.readOnly) {
      if (key === "Backspace" || key === "Delete") return deleteText(target, key === "Backspace" ? -1 : 1);
      if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(key)) return moveCaret(target, key, action.shift);
      if (key === "Enter" && (isA(target, "HTMLTextAreaElement") || target.isContentEditable)) return insertText(target, "\n");
    }
    if (isA(target, "HTMLSelectElement") && (key === "ArrowDown" || key === "ArrowUp")) return stepSelect(target, key === "ArrowDown" ? 1 : -1);
    const activation = keyActivation(key, target);
    if (activation) {
      // Checked again: the page's keydown handlers may have changed the target since.
      const reason = this.keyRefusal(action, target);
      if (reason) return this.refuse(reason);
      return activation === Activation.SUBMIT ? target.form.requestSubmit() : target.click();
    }
    if (!editable) return scrollByKey(key);
    return null;
  }
}

function scrollable(element, dx, dy) {
  const style = getComputedStyle(element);
  const y = dy !== 0 && /(auto|scroll|overlay)/.test(style.overflowY) && element.scrollHeight > element.clientHeight;
  const x = dx !== 0 && /(auto|scroll|overlay)/.test(style.overflowX) && element.scrollWidth > element.clientWidth;
  return x || y;
}

/** Scroll the nearest scroll container of `element` that can move, else the window. */
function scrollFrom(element, dx, dy) {
  for (let node = element; node && node.nodeType === 1; node = node.parentElement || node.getRootNode().host) {
    if (node !== document.documentElement && node !== document.body && scrollable(node, dx, dy)) {
      node.scrollBy({ left: dx, top: dy, behavior: "instant" });
      return;
    }
  }
  window.scrollBy({ left: dx, top: dy, behavior: "instant" });
}

function scrollByKey(key) {
  const page = window.innerHeight * 0.85;
  const steps = { ArrowDown: [0, 40], ArrowUp: [0, -40], PageDown: [0, page], PageUp: [0, -page], " ": [0, page],
    ArrowRight: [40, 0], ArrowLeft: [-40, 0], Home: [0, -1e9], End: [0, 1e9] };
  if (steps[key]) window.scrollBy({ left: steps[key][0], top: steps[key][1], behavior: "instant" });
}
