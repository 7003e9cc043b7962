// What a person's keys do to a field, done by hand: events dispatched from script are untrusted,
// so the browser inserts no text and moves no caret for them. Values go through the native
// setter followed by input and change, so React and Vue controlled fields see the change.
import { isA } from "../../mirror/web/dom.js";

function nativeSetter(element) {
  const name = ["HTMLTextAreaElement", "HTMLSelectElement"].find((n) => isA(element, n)) || "HTMLInputElement";
  return Object.getOwnPropertyDescriptor(element.ownerDocument.defaultView[name].prototype, "value").set;
}

export function isTextField(element) {
  if (isA(element, "HTMLTextAreaElement")) return true;
  if (!isA(element, "HTMLInputElement")) return false;
  return !["checkbox", "radio", "button", "submit", "reset", "image", "file", "range", "color", "hidden"].includes(element.type);
}

/** The field's selection, or its end where the type has none (email, number). */
function selection(element) {
  const length = element.value.length;
  try {
    if (element.selectionStart !== null) return [element.selectionStart, element.selectionEnd];
  } catch { /* This input type has no selection. */ }
  return [length, length];
}

function select(element, start, end = start) {
  try {
    element.setSelectionRange(start, end);
  } catch { /* No selection API for this input type. */ }
}

export function setValue(element, value, inputType, data = null) {
  nativeSetter(element).call(element, value);
  element.dispatchEvent(new InputEvent("input", { bubbles: true, composed: true, inputType, data }));
  element.dispatchEvent(new Event("change", { bubbles: true }));
}

/** Replace the selection with `text` (typing or pasting). */
export function insertText(element, text) {
  if (element.isContentEditable) {
    element.focus({ preventScroll: true });
    document.execCommand("insertText", false, text);
    return;
  }
  const [start, end] = selection(element);
  let insert = isA(element, "HTMLInputElement") ? text.replace(/[\r\n]+/g, " ") : text;
  const room = element.maxLength > 0 ? element.maxLength - (element.value.length - (end - start)) : Infinity;
  insert = insert.slice(0, Math.max(0, room));
  setValue(element, element.value.slice(0, start) + insert + element.value.slice(end), "insertText", insert);
  select(element, start + insert.length);
}

/** Backspace (direction -1) or Delete (+1). */
export function deleteText(element, direction) {
  if (element.isContentEditable) {
    element.focus({ preventScroll: true });
    document.execCommand(direction < 0 ? "delete" : "forwardDelete");
    return;
  }
  let [start, end] = selection(element);
  if (start === end) {
    if (direction < 0 && start > 0) start -= 1;
    else if (direction > 0 && end < element.value.length) end += 1;
    else return;
  }
  setValue(element, element.value.slice(0, start) + element.value.slice(end),
    direction < 0 ? "deleteContentBackward" : "deleteContentForward");
  select(element, start);
}

/** ArrowLeft/ArrowRight/Home/End, extending the selection with Shift. */
export function moveCaret(element, key, shift) {
  if (element.isContentEditable) {
    const direction = key === "ArrowLeft" || key === "Home" ? "backward" : "forward";
    const granularity = key === "Home" || key === "End" ? "lineboundary" : "character";
    window.getSelection().modify(shift ? "extend" : "move", direction, granularity);
    return;
  }
  const [start, end] = selection(element);
  const length = element.value.length;
  const target = { ArrowLeft: Math.max(0, start - 1), ArrowRight: Math.min(length, end + 1), Home: 0, End: length }[key];
  if (shift) select(element, Math.min(start, target), Math.max(end, target));
  else select(element, key === "ArrowLeft" && start !== end ? start : key === "ArrowRight" && start !== end ? end : target);
}

export function selectAll(element) {
  if (element && isTextField(element)) select(element, 0, element.value.length);
  else if (element && element.isContentEditable) {
    const range = document.createRange();
    range.selectNodeContents(element);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }
}

/** ArrowUp/ArrowDown on a select move its choice, as a person's keys would. */
export function stepSelect(element, step) {
  const options = Array.from(element.options);
  let index = element.selectedIndex;
  do index += step; while (options[index] && options[index].disabled);
  if (!options[index]) return;
  setValue(element, options[index].value, "insertReplacementText");
}
