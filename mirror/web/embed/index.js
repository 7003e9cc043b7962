// cobrowse.js: the one script a website embeds. It must never throw into the host page.
import { Widget } from "./widget.js";
import { CustomerSession } from "./session.js";

function scriptBase(script) {
  const src = script && script.src;
  return src ? new URL(".", src).href : null;
}

function boot(script) {
  if (window.__cobrowse) return; // Embedded twice: the first copy wins.
  const base = scriptBase(script);
  if (!base) return;
  const data = (script && script.dataset) || {};
  let session = null;
  const widget = new Widget({
    label: data.label || "Co-browse",
    position: data.position === "right" ? "right" : "left",
    onYes: () => session.connect(),
    onExit: () => session.exit(),
  });
  session = new CustomerSession(base, widget);
  window.__cobrowse = { version: 1 };
  const stored = CustomerSession.stored();
  if (stored) {
    widget.connecting();
    session.connect(stored);
  }
}

const current = document.currentScript;
function start() {
  try {
    boot(current);
  } catch (error) {
    if (window.console) console.warn("cobrowse: could not start", error);
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
else start();
