// The baseline's agent side: rrweb's live-mode Replayer rebuilds the customer's page from the
// event batches the relay forwards (timestamps rewritten to this page's Date.now() on arrival).
// After each batch, the next animation frames read the probe square's computed colour in the
// replayer's iframe and stamp each new colour with Date.now() in window.__benchBaseline.
import { Replayer } from "@rrweb/replay";
import "@rrweb/replay/dist/style.css";

const CHECK_FRAMES = 10; // Frames to keep looking after a batch, should the replayer's timer lag.
const params = new URLSearchParams(location.search);
const probeId = params.get("probe") || "bench-probe";
const log = { open: false, batches: 0, events: 0, arrivals: [], changes: [] };
window.__benchBaseline = log;

// The same options as the product's render page (mirror/web/render/render.js).
const replayer = new Replayer([], {
  root: document.getElementById("stage"),
  liveMode: true,
  mouseTail: false,
  showWarning: false,
  pauseAnimation: false,
  triggerFocus: false,
});
replayer.startLive();

let shown = null;
let framesLeft = 0;
let frame = 0;

function check() {
  frame = 0;
  const doc = replayer.iframe.contentDocument;
  const square = doc && doc.getElementById(probeId);
  const colour = square ? doc.defaultView.getComputedStyle(square).backgroundColor : null;
  if (colour && colour !== shown) {
    log.changes.push([Date.now(), colour]);
    shown = colour;
  }
  if (--framesLeft > 0) frame = requestAnimationFrame(check);
}

function afterBatch() {
  framesLeft = CHECK_FRAMES;
  if (frame) cancelAnimationFrame(frame);
  frame = -1;
  // addEvent hands each event to the replayer in a microtask, whose timer then asks for a frame;
  // asking after it puts this check after the replayer's own work in that frame.
  Promise.resolve().then(() => { frame = requestAnimationFrame(check); });
}

const socket = new WebSocket(`ws://${location.host}/ws/${encodeURIComponent(params.get("room") || "0")}/agent`);
socket.onopen = () => { log.open = true; };
socket.onmessage = (message) => {
  const now = Date.now();
  const batch = JSON.parse(message.data);
  for (const event of batch) {
    event.timestamp = now;
    replayer.addEvent(event);
  }
  log.arrivals.push(now);
  log.batches += 1;
  log.events += batch.length;
  afterBatch();
};
