// cobrowse.js: the one script a website embeds. It must never throw into the host page.
import { Widget } from "./widget.js";
import { CustomerSession } from "./session.js";
import { CustomerChat } from "./chat.js";
import { FrameGuest, FrameHost } from "./frames.js";
import { watchCanvases } from "./canvases.js";
import { CobrowseApi } from "./api.js";
import { widgetTexts } from "./texts.js";
import { lookedAt } from "./tabs.js";

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
  let chat = null;
  let api = null;
  const widget = new Widget({
    texts: widgetTexts(data),
    position: data.position === "right" ? "right" : "left",
    button: data.button !== "false", // "false": the site's own button calls cobrowse.start().
    // "Co-browse" outside the chat panel still asks about a call or chat, but while a chat is
    // live the session is tied to it, as if started from the chat (its ID is never kept there).
    onYes: () => session.connect(null, chat && chat.liveChat()),
    onExit: () => session.exit(),
    onDrawings: (show) => session.drawingsChanged(show),
    onControl: (granted) => session.controlChanged(granted),
    onSession: (id, state, reason) => {
      if (chat) chat.cobrowseChanged(id, state);
      api.changed(state, reason);
    },
  });
  api = new CobrowseApi({
    ask: () => widget.ask(),
    startAsked: () => {
      widget.connecting();
      session.connect(null, chat && chat.liveChat());
    },
    exit: () => session.exit(),
  });
  const frames = new FrameHost(base);
  frames.start();
  session = new CustomerSession(base, widget, frames);
  if (data.chat === "true") {
    // Co-browse from the chat: no voice-call question, and the session is tied to the chat.
    chat = new CustomerChat(base, widget, {
      startCobrowse: (ref) => {
        if (widget.showSession()) return;
        widget.connecting();
        session.connect(null, ref);
      },
    });
  }
  window.__cobrowse = { version: 1 };
  if (window.parent === window || !window.cobrowse) api.install();
  if (window.parent !== window) {
    // In a frame of a page that runs the script too, that page's button is the customer's: this
    // page only shares its content when the page invites it.
    new FrameGuest(base, () => widget.destroy()).start();
  }
  const stored = CustomerSession.stored();
  if (stored) {
    widget.connecting();
    session.connect(stored);
  } else if (window.parent === window && lookedAt()) {
    session.lookedAt(); // A tab the customer opened while another tab of the site shares.
  }
  if (window.parent === window) session.watchTabs();
}

try {
  watchCanvases(); // At once: before the page's own later scripts make their contexts.
} catch {
  // Never into the host page: canvases are then read as they are.
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
