// The agent's pointer and keys on the view, sent to the server in the customer's CSS pixels.
// The server hit-tests them in the render page and turns them into event scripts.
import { MAX_TEXT, SCRIPT_VERSION } from "../../../replay/web/script.js";

const POINTER_EVERY_MS = 30;
const MODIFIERS = new Set(["Control", "Shift", "Alt", "Meta", "AltGraph", "CapsLock"]);

/** Where a pointer event falls on the view, in the customer's CSS pixels (any zoom). */
function viewPoint(view, event) {
  const rect = view.getBoundingClientRect();
  return {
    x: Math.round(((event.clientX - rect.left) * view.width) / rect.width),
    y: Math.round(((event.clientY - rect.top) * view.height) / rect.height),
  };
}

/** The agent's pointer and keys on `view` as actions; `drawing()` is true while a pointing tool
 * is on, when the pointer draws instead (pen.js) and keys still act. */
export function attachInput(view, send, drawing = () => false) {
  let lastMove = 0;
  let pendingMove = null;
  let wheel = null;
  let text = "";

  let moveTimer = 0;
  const sendMove = () => {
    moveTimer = 0;
    if (!pendingMove) return;
    lastMove = performance.now();
    send({ v: SCRIPT_VERSION, type: "pointer", ...pendingMove });
    pendingMove = null;
  };
  view.addEventListener("pointermove", (e) => {
    if (drawing()) return;
    pendingMove = viewPoint(view, e);
    const wait = POINTER_EVERY_MS - (performance.now() - lastMove);
    // Within the interval the newest point waits for its end: where the pointer comes to rest
    // is always sent, however quick the last moves.
    if (wait <= 0) sendMove();
    else if (!moveTimer) moveTimer = setTimeout(sendMove, wait);
  });
  // Keys go to the view once clicked; focusing must not scroll it, or the click lands elsewhere.
  view.addEventListener("pointerdown", () => view.focus({ preventScroll: true }));
  view.addEventListener("click", (e) => {
    if (drawing()) return;
    send({ v: SCRIPT_VERSION, type: "click", ...viewPoint(view, e), button: 0, count: Math.min(Math.max(e.detail, 1), 3) });
  });
  view.addEventListener("contextmenu", (e) => e.preventDefault());
  view.addEventListener("wheel", (e) => {
    e.preventDefault();
    const scale = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? view.height : 1;
    if (!wheel) {
      wheel = { v: SCRIPT_VERSION, type: "wheel", ...viewPoint(view, e), dx: 0, dy: 0 };
      setTimeout(() => { send(wheel); wheel = null; }, POINTER_EVERY_MS);
    }
    wheel.dx += e.deltaX * scale;
    wheel.dy += e.deltaY * scale;
  }, { passive: false });

  const flushText = () => {
    if (!text) return;
    for (let i = 0; i < text.length; i += MAX_TEXT) send({ v: SCRIPT_VERSION, type: "text", text: text.slice(i, i + MAX_TEXT) });
    text = "";
  };
  view.addEventListener("keydown", (e) => {
    e.preventDefault(); // Keys belong to the customer's page, not to the agent's.
    if (MODIFIERS.has(e.key)) return; // Sent with the key they modify.
    const printable = e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
    if (printable) {
      if (!text) queueMicrotask(flushText);
      text += e.key;
      return;
    }
    flushText();
    send({ v: SCRIPT_VERSION, type: "key", key: e.key.slice(0, 32), code: e.code.slice(0, 32), ctrl: e.ctrlKey, shift: e.shiftKey, alt: e.altKey, meta: e.metaKey });
  });
  view.addEventListener("paste", (e) => {
    e.preventDefault();
    text += (e.clipboardData && e.clipboardData.getData("text/plain")) || "";
    flushText();
  });
}
