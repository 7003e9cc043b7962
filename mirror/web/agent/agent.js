// The agent's page: joins a session by its nine digits and draws the frames it receives. It
// never receives the customer's DOM: only JPEG frames (binary messages) and status messages.
import { msg, parse, socketUrl } from "../messages.js";

const $ = (id) => document.getElementById(id);
const view = $("view");
const context = view.getContext("2d");
const params = new URLSearchParams(location.search);

const STATUS = {
  waiting: "Waiting for the customer's page.",
  active: "Co-browse session active.",
  ended: "Co-browse session ended.",
};

let socket = null;
let pending = null; // The newest frame not yet drawn; older ones are dropped.
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

async function drawNewest() {
  if (drawing) return;
  drawing = true;
  try {
    while (pending) {
      const blob = pending;
      pending = null;
      const bitmap = await createImageBitmap(blob);
      context.drawImage(bitmap, 0, 0);
      bitmap.close();
      view.dataset.frames = String(Number(view.dataset.frames || 0) + 1);
    }
  } finally {
    drawing = false;
  }
}

function resize(width, height) {
  if (view.width !== width || view.height !== height) {
    view.width = width;
    view.height = height;
  }
  // One view pixel to one CSS pixel of the customer's viewport.
  view.style.width = `${width}px`;
  view.style.height = `${height}px`;
}

function receive(m) {
  if (!m) return;
  if (m.type === "status") {
    setStatus(STATUS[m.state === "idle" ? "waiting" : m.state] || m.state);
    if (m.state === "ended") end();
  } else if (m.type === "viewport") {
    resize(m.width, m.height);
  } else if (m.type === "error") {
    alertUser(m.detail || m.error);
  }
}

function end() {
  setLive(false);
  if (socket) socket.close(1000);
  socket = null;
}

function join(id) {
  alertUser("");
  socket = new WebSocket(socketUrl(location.href, "/ws/agent"));
  socket.binaryType = "blob";
  socket.onopen = () => socket.send(JSON.stringify(msg.join(id, params.get("interaction"))));
  socket.onmessage = (e) => {
    if (typeof e.data === "string") return receive(parse(e.data));
    pending = e.data;
    drawNewest();
  };
  socket.onclose = () => {
    if (!$("exit").hidden) setStatus(STATUS.ended);
    setLive(false);
    socket = null;
  };
  setLive(true);
  setStatus(STATUS.waiting);
}

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const id = $("session-id").value.replace(/\D/g, "");
  if (id.length !== 9) return alertUser("A session ID is nine digits.");
  join(id);
});

$("exit").addEventListener("click", () => {
  if (socket) socket.send(JSON.stringify(msg.exit()));
});
