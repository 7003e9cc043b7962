// The agent's page: joins a session by its nine digits and draws the frames it receives. It
// never receives the customer's DOM: only JPEG frames (binary messages) and status messages.
import { CLOSE, msg, parse, socketUrl } from "../messages.js";
import { PATCH, patchPieces } from "../patches.js";
import { attachInput } from "./input.js";
import { ChatDesk } from "./desk.js";
import { watchSight } from "./watching.js";

const $ = (id) => document.getElementById(id);
const view = $("view");
const context = view.getContext("2d");
const params = new URLSearchParams(location.search);

const STATUS = {
  waiting: "Waiting for the customer's page.",
  active: "Co-browse session active.",
  ended: "Co-browse session ended.",
};

// Why an action was refused, in the agent's words (reasons that need no notice are left out).
const REFUSED = {
  submit: "Only the customer can submit this form.",
  cross_origin_link: "That link leaves the customer's site.",
  masked: "That field is private to the customer.",
  readonly: "That field is read-only for you.",
  blocked: "That part of the page is private to the customer.",
  text_too_long: "That text is too long to type in one go.",
};

// Why the view may not be the whole picture (the server's Notice reasons).
const NOTICES = {
  "large-page": "This page is very large: pictures inside it (charts, canvases) are not shown.",
  partial: "Part of the customer's page cannot be shown.",
  "recording-stopped": "Recording stopped: the recordings' store cannot be written. The session goes on; recording resumes when it can.",
  "view-restarting": "The view is being rebuilt after a fault on the server. The session goes on.",
};

const STORAGE_KEY = "cobrowse.agent";
// A socket that closes without a final word (its server went away, the network blinked) comes
// back after each of these waits in turn; a cluster's balancer sends it to a node still up.
const RETRY_MS = [250, 500, 1000, 2000, 4000, 8000];
// The server's own refusals, which a retry would only hear again. CLOSE.MOVED and CLOSE.BUSY are
// not among them: the next try may reach another node.
const FINAL = new Set([CLOSE.ENDED, CLOSE.UNKNOWN_SESSION, CLOSE.FORBIDDEN, CLOSE.MALFORMED,
  CLOSE.TOO_LARGE, CLOSE.VERSION]);
let socket = null;
let zoom = 1;
let alertTimer = null;
let pending = []; // Frame messages not yet drawn, oldest first (see queueFrame).
let drawing = false;

function setStatus(text) {
  $("status").textContent = text;
}

function alertUser(text) {
  $("alert").textContent = text;
  $("alert").hidden = !text;
}

function setLive(live) {
  $("exit").hidden = !live;
  $("join-form").hidden = live;
}

function setReconnecting(on) {
  $("reconnecting").hidden = !on;
}

// A binary message is a whole frame (a JPEG) or a patch of the last one (../patches.js).
function pieces(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes[0] !== PATCH) return [{ x: 0, y: 0, jpeg: bytes, whole: true }];
  const rects = patchPieces(new DataView(buffer), 0, buffer.byteLength);
  return rects.map((p) => ({ x: p.x, y: p.y, jpeg: bytes.subarray(p.start, p.end) }));
}

// Patches build on every message before them, so none is dropped; a whole frame replaces
// everything still waiting, which keeps a slow agent from falling behind.
function queueFrame(buffer) {
  if (new Uint8Array(buffer, 0, 1)[0] !== PATCH) pending = [];
  pending.push(buffer);
  drawNewest();
}

async function drawNewest() {
  if (drawing) return;
  drawing = true;
  try {
    while (pending.length) {
      const parts = pieces(pending.shift());
      const bitmaps = await Promise.all(
        parts.map((p) => createImageBitmap(new Blob([p.jpeg], { type: "image/jpeg" }))),
      );
      // A whole frame is the customer's viewport: it sets the view's size, whichever of it and
      // the viewport message comes first.
      if (parts.length === 1 && parts[0].whole) resize(bitmaps[0].width, bitmaps[0].height);
      // All of a message's rectangles are drawn together: the view never shows half a frame.
      parts.forEach((p, i) => {
        context.drawImage(bitmaps[i], p.x, p.y);
        bitmaps[i].close();
      });
      view.dataset.frames = String(Number(view.dataset.frames || 0) + 1);
    }
  } finally {
    drawing = false;
  }
}

function resize(width, height) {
  if (view.width !== width || view.height !== height) {
    // Resizing clears a canvas, and patches are drawn over what it shows: keep the picture
    // until the next whole frame, which the server sends at each new size.
    const kept = document.createElement("canvas");
    kept.width = view.width;
    kept.height = view.height;
    if (kept.width && kept.height) kept.getContext("2d").drawImage(view, 0, 0);
    view.width = width;
    view.height = height;
    if (kept.width && kept.height) context.drawImage(kept, 0, 0);
  }
  // One view pixel to one CSS pixel of the customer's viewport, times the agent's zoom.
  view.style.width = `${width * zoom}px`;
  view.style.height = `${height * zoom}px`;
}

function setZoom(next) {
  zoom = Math.min(3, Math.max(0.25, Math.round(next * 100) / 100));
  $("zoom-level").textContent = `${Math.round(zoom * 100)}%`;
  resize(view.width, view.height);
}

/** The customer zoomed in with two fingers: the view shows the part they see, larger. */
function showZoom(zoom) {
  const badge = $("customer-zoom");
  badge.hidden = !(zoom > 1.01);
  badge.textContent = `Customer zoomed in (${zoom.toFixed(1)}×)`;
}

function notice(text) {
  alertUser(text);
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => alertUser(""), 4000);
}

function receive(m) {
  if (!m) return;
  if (m.type === "status") {
    setStatus(STATUS[m.state === "idle" ? "waiting" : m.state] || m.state);
    if (m.state === "ended") end();
  } else if (m.type === "viewport") {
    resize(m.width, m.height);
    showZoom(m.zoom || 1);
  } else if (m.type === "joined") {
    token = m.token;
    retries = 0;
    rejoining = false; // Back in: what the server says from now on is not about the rejoin.
    setReconnecting(false);
    remember({ id: currentId, token });
  } else if (m.type === "error") {
    if (rejoining) setStatus(STATUS.ended); // The session this page was in has ended meanwhile.
    else alertUser(m.detail || m.error);
  } else if (m.type === "notice" && m.reason === "recording-resumed") {
    notice("Recording resumed.");
  } else if (m.type === "notice" && m.reason === "view-restored") {
    notice("The view is back.");
  } else if (m.type === "notice") {
    alertUser(NOTICES[m.reason] || NOTICES.partial); // Lasts as long as the view is partial.
  } else if (m.type === "refused" && REFUSED[m.reason]) {
    notice(REFUSED[m.reason]);
  }
}

// This page's session, kept so a reload (or coming back from another site) rejoins it.
function remember(value) {
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch { /* Storage disabled: a reload needs the ID again. */ }
}

function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

function end() {
  stopRetrying();
  token = null;
  remember(null);
  setLive(false);
  if (socket) socket.close(1000);
  socket = null;
}

let currentId = null;
let currentInteraction = null;
let token = null; // Proves this page is the session's agent when its socket comes back.
let rejoining = false;
let retries = 0;
let retryTimer = null;

function stopRetrying() {
  clearTimeout(retryTimer);
  retryTimer = null;
  setReconnecting(false);
}

/**
 * Join the session `id`; `rejoinToken` comes back to the one this page was in, `interaction`
 * ties it to a primary interaction (the page's ?interaction=, or the chat it was offered in).
 */
function join(id, { rejoinToken = null, interaction = params.get("interaction") } = {}) {
  alertUser("");
  stopRetrying();
  if (socket) { // Another session (a chat's "Join co-browse" while in one): leave it first.
    socket.onmessage = socket.onclose = null;
    socket.close(1000);
  }
  currentId = id;
  currentInteraction = interaction;
  token = rejoinToken;
  retries = 0;
  connect(rejoinToken);
  setLive(true);
  setStatus(STATUS.waiting);
}

/**
 * Join with a one-time join token a contact centre's desktop got from POST /api/joins and put in
 * this page's address (`/agent?join_token=...`, in the desktop's own frame): no digits, and no
 * agent cookie needed. The server joins the socket as it opens.
 */
function joinWithToken(joinToken) {
  history.replaceState(null, "", location.pathname); // Spent once used: not kept in the address.
  currentInteraction = params.get("interaction");
  connect(null, joinToken);
  setLive(true);
  setStatus(STATUS.waiting);
}

function connect(rejoinToken, joinToken = null) {
  rejoining = Boolean(rejoinToken);
  const query = new URLSearchParams();
  if (joinToken) query.set("join_token", joinToken);
  if (joinToken && currentInteraction) query.set("interaction", currentInteraction);
  const path = joinToken ? `/ws/agent?${query}` : "/ws/agent";
  const ws = new WebSocket(socketUrl(location.href, path));
  socket = ws;
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    if (!joinToken) ws.send(JSON.stringify(msg.join(currentId, currentInteraction, rejoinToken)));
    if (!seen()) ws.send(JSON.stringify(msg.watching(false))); // A session starts watched.
  };
  ws.onmessage = (e) => {
    if (typeof e.data === "string") return receive(parse(e.data));
    queueFrame(e.data);
  };
  ws.onclose = (event) => closed(ws, event);
}

function closed(ws, event) {
  if (socket !== ws) return; // This page closed it itself (the end, another session).
  socket = null;
  if (!FINAL.has(event.code) && token && retries < RETRY_MS.length) {
    // The status and the last frame stay: the session is still live on the server.
    setReconnecting(true);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect(token);
    }, RETRY_MS[retries++]);
    return;
  }
  setReconnecting(false);
  if (!$("exit").hidden) setStatus(STATUS.ended);
  // Ended, or not ours: no reload should try it again. After a refusal (an out-of-date script,
  // say) a reload may still come back to the session.
  if (event.code === CLOSE.ENDED || event.code === CLOSE.UNKNOWN_SESSION) remember(null);
  setLive(false);
}

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("session-id").value.replace(/\D/g, "");
  if (id.length !== 9) return alertUser("A session ID is nine digits.");
  join(id);
});

$("exit").addEventListener("click", () => {
  token = null; // Whatever closes the socket now, the page does not come back.
  remember(null);
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(msg.exit()));
    return;
  }
  // Between two tries: no socket to say it on. The server ends the session when the agent's
  // grace runs out.
  if (socket) socket.onclose = null;
  end();
  setStatus(STATUS.ended);
});

// With agent keys configured, the server marks the page until the agent has signed in.
if (params.get("join_token")) {
  $("join-form").hidden = true;
  joinWithToken(params.get("join_token"));
} else if (document.body.dataset.needsKey) {
  $("join-form").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in").addEventListener("submit", async (e) => {
    e.preventDefault();
    const response = await fetch("/api/agent/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: $("agent-key").value }),
    });
    if (response.ok) location.reload();
    else if (response.status === 401) alertUser("That agent key is not valid.");
    else alertUser(await response.json().then((e) => e.detail, () => `Sign-in failed (${response.status}).`));
  });
} else {
  const previous = remembered();
  if (previous && previous.id && previous.token) join(previous.id, { rejoinToken: previous.token });
  new ChatDesk((id, interaction) => join(id, { interaction })).connect();
}

$("zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
$("zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
$("zoom-reset").addEventListener("click", () => setZoom(1));

function sendLive(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

attachInput(view, sendLive);
const seen = watchSight(view, (visible) => {
  view.dataset.watching = String(visible); // For tests and styles: what the server was told.
  sendLive(msg.watching(visible));
});
