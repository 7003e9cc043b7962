// The playback page of a recording (/recordings/{uuid}): what the agent was shown, pictures
// only (no DOM of the customer's page exists here), with the event track beside it. The server
// marks the page until a supervisor has signed in, as it does /agent for agent keys.
import { ChunkCache } from "./cache.js";
import { describe, markerKind, seconds } from "./events.js";
import { Picture, Pointers } from "./picture.js";
import { Playback } from "./playback.js";
import { Timeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const uuid = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const api = `/api/recordings/${encodeURIComponent(uuid)}`;
const slider = $("position");
let dragging = false; // The supervisor holds the slider: playing does not move it under them.
let current = -1; // The event marked as the last one passed.

function alertUser(text) {
  $("alert").textContent = text;
  $("alert").hidden = !text;
}

function setStatus(text) {
  if ($("status").textContent !== text) $("status").textContent = text; // Read out on change only.
}

async function failure(response) {
  const fallback = `The server answered ${response.status}.`;
  return response.json().then((e) => e.detail || e.error || fallback, () => fallback);
}

function askForKey() {
  $("player").hidden = true;
  $("sign-in").hidden = false;
  $("supervisor-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  let response;
  try {
    response = await fetch("/api/supervisor/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: $("supervisor-key").value }),
    });
  } catch {
    return alertUser("The server cannot be reached.");
  }
  if (response.status === 401) return alertUser("That supervisor key is not valid.");
  if (!response.ok) return alertUser(await failure(response));
  alertUser("");
  $("sign-in").hidden = true;
  openRecording();
}

async function openRecording() {
  setStatus("Loading the recording…");
  let response;
  try {
    response = await fetch(api, { credentials: "same-origin" });
  } catch {
    setStatus("");
    return alertUser("The recording could not be loaded: the server cannot be reached.");
  }
  setStatus("");
  if (response.status === 401) return askForKey(); // Signed out meanwhile (the cookie expired).
  if (response.status === 404) return alertUser("There is no such recording.");
  if (!response.ok) return alertUser(await failure(response));
  start(await response.json());
}

function start(index) {
  const timeline = new Timeline(index);
  const skipped = (n, why) => addNote(`Chunk ${n} could not be loaded (${why}): it is skipped.`);
  const cache = new ChunkCache((n) => `${api}/chunks/${n}`, skipped);
  const picture = new Picture($("picture"), $("pointers"));
  const playback = new Playback(timeline, cache, picture, new Pointers($("pointers")));
  showHeading(index);
  showNotes(index, timeline);
  showEvents(timeline, playback);
  showMarkers(timeline);
  wireControls(playback);
  slider.max = String(timeline.duration);
  playback.onChange = () => update(playback);
  playback.onShown = (t) => ($("picture").dataset.shown = t.toFixed(1));
  $("player").hidden = false;
  playback.seek(timeline.firstPicture());
}

function showHeading(index) {
  const started = new Date(index.started_at);
  const when = Number.isNaN(started.getTime()) ? index.started_at : started.toLocaleString();
  $("title").textContent = `Recording of ${when}, session ${index.session}`;
  $("title").hidden = false;
  document.title = `Co-browse: recording of ${when}`;
}

function addNote(text) {
  const item = document.createElement("li");
  item.textContent = text;
  $("notes").append(item);
  $("notes").hidden = false;
}

function showNotes(index, timeline) {
  $("notes").hidden = true;
  if (index.ended_at) {
    const reason = index.end_reason ? `: ${index.end_reason.replace(/_/g, " ")}` : "";
    addNote(`The session ended after ${seconds(timeline.duration)}${reason}.`);
  } else {
    addNote("The recording is still going on: reload the page for what came since.");
  }
  for (const gap of index.gaps || []) {
    addNote(`recording stopped ${Number(gap.from).toFixed(1)}-${Number(gap.to).toFixed(1)} s`);
  }
  for (const damage of index.damaged || []) {
    addNote(`Chunk ${damage.n} is damaged (${damage.why}): its part of the recording is skipped.`);
  }
}

function showEvents(timeline, playback) {
  const items = timeline.events.map((event) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = describe(event);
    if (event.type === "chat") button.title = event.text || "";
    button.addEventListener("click", () => playback.seek(event.t));
    item.append(button);
    return item;
  });
  $("events").replaceChildren(...items);
}

function showMarkers(timeline) {
  const markers = [];
  for (const event of timeline.events) {
    const kind = markerKind(event);
    if (!kind || !timeline.duration) continue;
    const marker = document.createElement("span");
    marker.className = `marker ${kind}`;
    marker.style.left = `${(event.t / timeline.duration) * 100}%`;
    marker.title = describe(event);
    markers.push(marker);
  }
  $("markers").replaceChildren(...markers);
}

function wireControls(playback) {
  $("play").addEventListener("click", () => playback.play());
  $("pause").addEventListener("click", () => playback.pause());
  $("speed").addEventListener("change", () => {
    playback.speed = Number($("speed").value);
  });
  slider.addEventListener("input", () => playback.seek(Number(slider.value)));
  slider.addEventListener("pointerdown", () => {
    dragging = true;
  });
  for (const type of ["pointerup", "pointercancel"]) {
    addEventListener(type, () => {
      dragging = false;
    });
  }
}

function update(playback) {
  const { position, timeline } = playback;
  const text = `${seconds(position)} of ${seconds(timeline.duration)}`;
  if (!dragging) slider.value = String(position);
  slider.setAttribute("aria-valuetext", text);
  $("clock").textContent = text;
  setPlaying(playback.playing);
  markCurrent(timeline.lastEventAt(position), playback.playing);
  const gap = timeline.gapAt(position);
  if (playback.waiting) setStatus("Loading…");
  else setStatus(gap ? `Recording stopped ${Number(gap.from).toFixed(1)}-${Number(gap.to).toFixed(1)} s` : "");
}

// The button that does nothing now is disabled; focus on it moves to the other one.
function setPlaying(playing) {
  const [idle, other] = playing ? [$("play"), $("pause")] : [$("pause"), $("play")];
  if (idle.disabled) return;
  const focused = document.activeElement === idle;
  idle.disabled = true;
  other.disabled = false;
  if (focused) other.focus();
}

function markCurrent(index, playing) {
  if (index === current) return;
  const buttons = $("events").querySelectorAll("button");
  buttons[current]?.removeAttribute("aria-current");
  current = index;
  const button = buttons[current];
  if (!button) return;
  button.setAttribute("aria-current", "true");
  if (playing) button.scrollIntoView({ block: "nearest" });
}

$("sign-in").addEventListener("submit", signIn);
if (document.body.dataset.needsKey) askForKey();
else openRecording();
