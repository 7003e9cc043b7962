// The mirror page: runs in the server's headless Chromium and rebuilds the customer's page from
// the captured rrweb stream. rrweb rebuilds into a sandboxed iframe (allow-same-origin only), so
// no captured script ever runs. Its pixels are what the agent sees.
import { Replayer } from "@rrweb/replay";
import "@rrweb/replay/dist/style.css";
import { hitTest } from "./hittest.js";

let replayer = null;

function createReplayer() {
  const root = document.getElementById("stage");
  root.replaceChildren();
  const r = new Replayer([], {
    root,
    liveMode: true,
    mouseTail: false,
    showWarning: false,
    pauseAnimation: false,
    triggerFocus: false,
  });
  r.on("resize", (size) => {
    if (window.cobrowseResize) window.cobrowseResize(size.width, size.height);
  });
  r.startLive();
  return r;
}

/**
 * Add a batch of rrweb events (a JSON array as text). Timestamps are rewritten to this page's
 * clock: the customer's clock may be skewed, and the live player schedules by timestamp.
 */
function add(batchText) {
  const events = JSON.parse(batchText);
  if (!Array.isArray(events)) return 0;
  const now = Date.now();
  for (const event of events) {
    if (!event || typeof event !== "object" || typeof event.type !== "number") continue;
    // A new page or a re-attach arrives as Meta + FullSnapshot; the live player rebuilds the
    // whole document for it, so one player serves the session.
    if (!replayer) replayer = createReplayer();
    event.timestamp = now;
    replayer.addEvent(event);
  }
  return events.length;
}

window.cobrowseMirror = {
  add,
  // JSON text: the server decodes it once into replay.hit.Hit.
  hitTest: (x, y) => JSON.stringify(hitTest(replayer, x, y)),
};
