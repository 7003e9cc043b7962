// <cobrowse-view>: the agent's live view of a customer's page, for any page to embed (a contact
// centre's desktop, our own /agent page). The view, its toolbar and its notices live in a shadow
// root of their own. It never receives the customer's DOM or text: only frames (binary messages)
// and status messages.
//
//   <script src="https://SERVER/agent-view.js"></script>
//   <cobrowse-view></cobrowse-view>
//   view.join(token)  // a one-time join token from POST /api/joins
//
// Attributes: `server` (the co-browse server's address; default: where this script came from),
// `zoom` (the agent's zoom, 0.25 to 3, or "fit": the default, scaled down to the element's width
// when the customer's screen is wider, 1:1 otherwise), `interaction` (the primary interaction to tie a join to).
// Events (bubbling, composed): `state` {state} (see `state`), `joined` {id, role}, `refused` {reason, message} (the join was not
// accepted), `ended` {reason} (the session's end reason, `handed_over` when this agent handed it
// to a colleague, or null when unknown), `role` {role} (a watcher was handed the session),
// `action-refused` {reason} (an action of the agent's that the customer's page refused).
// A view is the agent's ("agent": it acts and points) or a colleague's ("watcher": view only,
// joined with an invitation; see `role`).
// A page may put its own `<canvas data-cobrowse-view>` inside the element; otherwise it makes one.
import { CLOSE, msg, parse, socketUrl } from "../messages.js";
import { COLLEAGUES_HTML, ColleaguesPanel } from "./colleagues.js";
import { attachInput } from "./input.js";
import { Pen } from "./pen.js";
import { STRIP_HTML, StatusStrip } from "./strip.js";
import { ViewCanvas } from "./canvas.js";
import { watchSight } from "./watching.js";
import STYLE from "./view.css";
import { FAREWELL, NOTICES, PASSING, REFUSED, STATUS } from "./view_texts.js";

const SCRIPT_ORIGIN = document.currentScript && document.currentScript.src
  ? new URL(document.currentScript.src, location.href).origin
  : location.origin;

const STORAGE_KEY = "cobrowse.agent";
// A socket that closes without a final word (its server went away, the network blinked) comes
// back after each of these waits in turn; a cluster's balancer sends it to a node still up.
const RETRY_MS = [250, 500, 1000, 2000, 4000, 8000];
// The server's own refusals, which a retry would only hear again. CLOSE.MOVED and CLOSE.BUSY are
// not among them: the next try may reach another node.
const FINAL = new Set([CLOSE.ENDED, CLOSE.UNKNOWN_SESSION, CLOSE.FORBIDDEN, CLOSE.MALFORMED,
  CLOSE.TOO_LARGE, CLOSE.VERSION]);
const SUBPROTOCOL = "cobrowse.v1";
const TEMPLATE = `
<style>${STYLE}</style>
<div class="bar" part="toolbar">
  <button type="button" id="exit" hidden>Exit co-browse session</button>
  <div class="zoom" role="group" aria-label="Zoom">
    <button type="button" id="zoom-out" aria-label="Zoom out">−</button>
    <button type="button" id="zoom-reset" aria-label="100%: actual size" title="Alt+Shift+1"><span id="zoom-level">100%</span></button>
    <button type="button" id="zoom-in" aria-label="Zoom in">+</button>
    <button type="button" id="zoom-fit" aria-label="Fit to the pane" aria-pressed="true" title="Alt+Shift+F">Fit</button>
  </div>
  <div class="tools" id="tools" role="group" aria-label="Pointing tools">
    <button type="button" id="laser" aria-pressed="false">Laser pointer</button>
    <button type="button" id="highlight" aria-pressed="false">Highlighter</button>
    <button type="button" id="erase">Clear drawings</button>
  </div>
  <div id="status" role="status" aria-live="polite"></div>
</div>
${STRIP_HTML}
${COLLEAGUES_HTML}
<div id="alert" role="alert" hidden></div>
<div class="stage" part="stage">
  <p id="reconnecting" class="badge" aria-live="polite" hidden>Reconnecting…</p>
  <p id="customer-zoom" class="badge" aria-live="polite" hidden></p>
  <p id="away" aria-live="polite" hidden>The customer is on a page that is not shared: another tab or window is in front of the shared page.</p>
  <slot></slot>
</div>`;

function remembered() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

function remember(value) {
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch { /* Storage disabled: a reload needs a new join. */ }
}

export class CobrowseView extends HTMLElement {
  static observedAttributes = ["zoom"];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = TEMPLATE;
    this.$ = (id) => root.getElementById(id);
    this.strip = new StatusStrip(this.$, (message) => this.sendLive(message));
    this.crew = new ColleaguesPanel(this.$, (message) => this.sendLive(message), () => this.server,
      (text) => this.notify(text));
    this.currentRole = "agent";
    this.socket = null;
    this.session = null; // {id, token} once joined: the rejoin that brings the view back.
    this.joining = false; // Between a join and the server's answer: errors are refusals.
    this.announced = false; // `joined` dispatched for this session.
    this.currentState = "off";
    this.retries = 0;
    this.retryTimer = null;
    this.alertTimer = null;
    this.$("exit").addEventListener("click", () => this.end());
    this.$("zoom-in").addEventListener("click", () => { this.zoom = this.zoom * 1.25; });
    this.$("zoom-out").addEventListener("click", () => { this.zoom = this.zoom / 1.25; });
    this.$("zoom-reset").addEventListener("click", () => { this.zoom = 1; });
    this.$("zoom-fit").addEventListener("click", () => { this.zoom = "fit"; });
    for (const tool of ["laser", "highlight"]) this.$(tool).addEventListener("click", () => this.pick(tool));
    this.$("erase").addEventListener("click", () => this.sendLive(msg.erase()));
    this.fitting = true; // Until the agent picks a zoom, or the page sets a number.
    // The agent's own keys, kept from the customer's page: Alt+Shift+1 shows the view 1:1 and
    // Alt+Shift+F fits it (in the capture phase: before the view sends keys on).
    this.addEventListener("keydown", (e) => {
      const zoom = !e.altKey || !e.shiftKey ? null : { Digit1: 1, KeyF: "fit" }[e.code];
      if (zoom === undefined || zoom === null) return;
      e.preventDefault();
      e.stopPropagation();
      this.zoom = zoom;
    }, true);
  }

  connectedCallback() {
    if (this.picture) {
      // Moved in the page (a desktop's framework re-parenting it): back to its session.
      if (this.session && !this.socket) this.rejoin(this.session);
      return;
    }
    let canvas = this.querySelector("canvas[data-cobrowse-view]");
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.setAttribute("data-cobrowse-view", "");
      this.shadowRoot.querySelector(".stage").append(canvas);
    }
    canvas.tabIndex = 0;
    canvas.setAttribute("aria-label", "Customer's screen");
    canvas.width = canvas.height = 0;
    this.picture = new ViewCanvas(
      canvas,
      () => this.fit(),
      (reduced) => this.strip && this.strip.sharpness(reduced),
      () => this.sendLive(msg.redraw()),
    );
    this.zoom = this.getAttribute("zoom") || "fit";
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.fit()).observe(this.shadowRoot.querySelector(".stage"));
    this.setState("off");
    this.pen = new Pen(canvas, (message) => this.sendLive(message));
    attachInput(canvas, (message) => this.act(message), () => this.pen.tool !== null);
    this.seen = watchSight(canvas, (visible) => {
      canvas.dataset.watching = String(visible); // For tests and styles: what the server was told.
      this.sendLive(msg.watching(visible));
    });
    // A reload (or coming back from another site) returns to the session this page was in,
    // unless the page joins another one as it loads.
    setTimeout(() => {
      const previous = remembered();
      if (!this.socket && !this.session && previous && previous.id && previous.token) this.rejoin(previous);
    }, 0);
  }

  disconnectedCallback() {
    this.stopRetrying();
    this.strip.stop();
    if (this.socket) this.close(this.socket);
  }

  attributeChangedCallback(name, _old, value) {
    if (name !== "zoom" || !this.picture) return;
    if (value === "fit" ? !this.fitting : Number(value) !== this.picture.zoom || this.fitting) this.zoom = value;
  }

  // -- the public interface -------------------------------------------------------------------

  /** The co-browse server's address (http or https). */
  get server() {
    return this.getAttribute("server") || SCRIPT_ORIGIN;
  }

  /** "off" (no session), "waiting", "active" or "ended". */
  get state() {
    return this.currentState;
  }

  /** "agent" (acts on the customer's page) or "watcher" (a colleague invited: view only). */
  get role() {
    return this.currentRole;
  }

  get zoom() {
    return this.picture ? this.picture.zoom : Number(this.getAttribute("zoom")) || 1;
  }

  /** A number sets the agent's zoom; "fit" fits the view to the element's width again. */
  set zoom(value) {
    if (!this.picture) return;
    this.fitting = value === "fit";
    this.$("zoom-fit").setAttribute("aria-pressed", String(this.fitting));
    if (this.fitting) {
      if (this.getAttribute("zoom") !== "fit") this.setAttribute("zoom", "fit");
      this.fit();
      return;
    }
    this.showZoom(this.picture.setZoom(value));
    if (this.getAttribute("zoom") !== String(this.picture.zoom)) this.setAttribute("zoom", String(this.picture.zoom));
  }

  /** In "fit", the largest zoom up to 1:1 at which the whole width of the view is in sight. */
  fit() {
    const width = this.picture && this.picture.canvas.width;
    if (!this.fitting || !width) return;
    const pane = this.shadowRoot.querySelector(".stage").clientWidth;
    if (!pane) return; // Not laid out (hidden): fitted when it is.
    this.showZoom(this.picture.setZoom(Math.min(1, Math.floor((pane / width) * 100) / 100)));
  }

  showZoom(zoom) {
    const level = `${Math.round(zoom * 100)}%`;
    this.$("zoom-level").textContent = level;
    // What the button shows is part of its name (a speech user says what they see).
    this.$("zoom-reset").setAttribute("aria-label", `${level}: actual size`);
  }

  /** Join with a one-time join token (POST /api/joins): no digits, no agent cookie. */
  join(token) {
    this.start();
    this.connect({ joinToken: String(token || "") });
  }

  /** Join by the nine digits, with the agent's cookie (the server's own /agent page). */
  joinSession(id, { interaction = this.getAttribute("interaction") } = {}) {
    this.start();
    this.connect({ first: msg.join(id, interaction) });
  }

  /** The agent leaves: the session ends for both sides (`agent_exit`); a watcher only stops
   * watching. */
  end() {
    const socket = this.socket;
    remember(null);
    if (socket && socket.readyState === WebSocket.OPEN && this.session) {
      socket.send(JSON.stringify(msg.exit())); // The server ends it and says so.
      this.session = null;
      return;
    }
    // Between two tries, or before the join was answered: no one to say it to. The server ends
    // the session when the agent's grace runs out.
    this.session = null;
    this.stopRetrying();
    if (socket) this.close(socket);
    this.finish(null);
  }

  /** A pointing tool on ("laser" or "highlight"), or off again when it was on. */
  pick(tool) {
    this.pen.flush();
    this.pen.tool = this.pen.tool === tool ? null : tool;
    for (const name of ["laser", "highlight"]) this.$(name).setAttribute("aria-pressed", String(this.pen.tool === name));
    this.picture.canvas.style.cursor = this.pen.tool ? "crosshair" : "";
  }

  /** Show a message in the view's alert; `lasting` keeps it until the next one. */
  notify(text, { lasting = false } = {}) {
    this.$("alert").textContent = text;
    this.$("alert").hidden = !text;
    clearTimeout(this.alertTimer);
    if (text && !lasting) this.alertTimer = setTimeout(() => this.notify("", { lasting: true }), 4000);
  }

  // -- the session ----------------------------------------------------------------------------

  start() {
    this.stopRetrying();
    if (this.socket) this.close(this.socket); // Another session (a chat's "Join co-browse"): left first.
    this.notify("", { lasting: true });
    this.picture.clear();
    this.session = null;
    this.announced = false;
    this.joining = true;
    this.setState("waiting");
  }

  rejoin(session) {
    this.session = session;
    this.announced = true; // The page announced it before it reloaded.
    this.setState("waiting");
    this.connect({ rejoin: session });
  }

  connect({ joinToken = null, first = null, rejoin = null }) {
    const query = new URLSearchParams();
    const interaction = this.getAttribute("interaction");
    if (joinToken) query.set("join_token", joinToken);
    if (joinToken && interaction) query.set("interaction", interaction);
    const path = `/ws/agent${joinToken ? `?${query}` : ""}`;
    // A rejoin's token travels in the subprotocol header, out of addresses and access logs.
    const protocols = rejoin ? [SUBPROTOCOL, `cobrowse.rejoin.${rejoin.id}.${rejoin.token}`] : [];
    let ws;
    try {
      ws = new WebSocket(socketUrl(this.server, path), protocols);
    } catch {
      return this.refused("unreachable", "The co-browse server's address is not valid.");
    }
    this.socket = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (first) ws.send(JSON.stringify(first));
      if (!this.seen()) ws.send(JSON.stringify(msg.watching(false))); // A session starts watched.
    };
    ws.onmessage = (e) => {
      if (typeof e.data === "string") this.receive(parse(e.data));
      else this.picture.queue(e.data);
    };
    ws.onclose = (event) => this.closed(ws, event);
  }

  receive(m) {
    if (!m) return;
    if (m.type === "status") {
      if (m.state === "ended") return this.finish(m.reason || null);
      this.setState(m.state === "idle" ? "waiting" : m.state);
    } else if (m.type === "viewport") {
      this.picture.resize(m.width, m.height);
      this.showCustomerZoom(m.zoom || 1);
    } else if (m.type === "joined") {
      this.joined(m);
    } else if (m.type === "page") {
      this.strip.page(m);
    } else if (m.type === "pong") {
      this.strip.pong(m);
    } else if (m.type === "away") {
      this.showAway(Boolean(m.away));
    } else if (m.type === "control") {
      this.strip.control(m);
    } else if (m.type === "invited") {
      this.crew.invited(m);
    } else if (m.type === "colleagues") {
      this.crew.list(m);
    } else if (m.type === "error") {
      if (this.joining) this.refused(m.error, m.detail || m.error);
      else if (this.session) this.finish(null); // The session it came back to ended meanwhile.
      else this.notify(m.detail || m.error, { lasting: true });
    } else if (m.type === "notice" && PASSING[m.reason]) {
      this.notify(PASSING[m.reason]);
    } else if (m.type === "notice") {
      this.notify(NOTICES[m.reason] || NOTICES.partial, { lasting: true }); // While it is partial.
    } else if (m.type === "refused") {
      if (REFUSED[m.reason]) this.notify(REFUSED[m.reason]);
      this.emit("action-refused", { reason: m.reason });
    }
  }

  joined(m) {
    // A server of an older version sends no ID: such a view cannot come back without a cookie.
    const id = m.id || (this.session && this.session.id) || null;
    this.session = { id, token: m.token };
    this.strip.start(Number(m.active_s) || 0);
    this.strip.control({}); // Said next by the server, where the agent does not simply act.
    this.setRole(m.role === "watcher" ? "watcher" : "agent");
    this.joining = false;
    this.retries = 0;
    this.$("reconnecting").hidden = true;
    remember(id ? this.session : null);
    if (!this.announced) {
      this.announced = true;
      this.emit("joined", { id, role: this.currentRole });
    }
  }

  closed(ws, event) {
    if (this.socket !== ws) return; // Closed by this view itself (the end, another session).
    this.socket = null;
    if (!FINAL.has(event.code) && this.session && this.retries < RETRY_MS.length) {
      // The status and the last frame stay: the session is still live on the server.
      this.$("reconnecting").hidden = false;
      this.strip.lost();
      this.crew.stale(); // Listed again on return: none is handed over meanwhile.
      const session = this.session;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.connect({ rejoin: session });
      }, RETRY_MS[this.retries++]);
      return;
    }
    this.$("reconnecting").hidden = true;
    if (this.joining) return this.refused("unreachable", "The co-browse server could not be reached, or refused this view.");
    // Ended, or not ours: no reload should try it again. After a refusal (an out-of-date script,
    // say) a reload may still come back to the session.
    if (event.code === CLOSE.ENDED || event.code === CLOSE.UNKNOWN_SESSION) remember(null);
    if (this.currentState !== "off" && this.currentState !== "ended") this.finish(null);
  }

  refused(reason, message) {
    this.joining = false;
    this.session = null;
    remember(null);
    if (this.socket) this.close(this.socket);
    this.setState("off");
    this.notify(message, { lasting: true });
    this.emit("refused", { reason, message });
  }

  /** The session is over (`reason`: the server's end reason, or null when it is not known). */
  finish(reason) {
    if (this.currentState === "ended" || this.currentState === "off") return;
    this.joining = false;
    this.session = null;
    remember(null);
    this.stopRetrying();
    if (this.socket) this.close(this.socket);
    this.setState("ended");
    if (FAREWELL[reason]) this.notify(FAREWELL[reason], { lasting: true });
    this.emit("ended", { reason });
  }

  // -- helpers --------------------------------------------------------------------------------

  setState(state) {
    this.currentState = state;
    if (state !== "active" && state !== "waiting") this.strip.stop();
    this.strip.shown(state === "active");
    this.showRole();
    if (state !== "active") this.showAway(false);
    this.$("exit").hidden = state !== "waiting" && state !== "active";
    this.dataset.state = state;
    this.emit("state", { state });
  }

  /** The customer is on a page that is not shared: the view says so over the last picture. */
  showAway(away) {
    this.$("away").hidden = !away;
    this.toggleAttribute("data-away", away);
  }

  /** A watcher's view shows no pointing tools and sends no action; handed the session, it
   * becomes the agent's. */
  setRole(role) {
    const was = this.currentRole;
    this.currentRole = role;
    this.dataset.role = role;
    this.$("tools").hidden = role === "watcher";
    if (role === "watcher" && this.pen.tool) this.pick(this.pen.tool);
    this.showRole();
    if (role === was) return;
    if (was === "watcher" && this.announced) this.notify(PASSING["handed-to-you"]);
    this.emit("role", { role });
  }

  showRole() {
    const state = this.currentState;
    this.crew.shown(state === "active" && this.currentRole === "agent");
    const watching = state === "active" && this.currentRole === "watcher";
    this.$("status").textContent = watching ? STATUS.watching : STATUS[state] || state;
  }

  /** The agent's pointer and keys on the view; a watcher's are not sent (view only). */
  act(message) {
    if (this.currentRole !== "watcher") return this.sendLive(message);
    if (message.type === "click" || message.type === "key" || message.type === "text") this.notify(REFUSED.view_only);
  }

  showCustomerZoom(zoom) {
    const badge = this.$("customer-zoom");
    badge.hidden = !(zoom > 1.01);
    badge.textContent = `Customer zoomed in (${zoom.toFixed(1)}×)`;
  }

  sendLive(message) {
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  close(socket) {
    socket.onmessage = socket.onclose = null;
    socket.close(1000);
    if (this.socket === socket) this.socket = null;
  }

  stopRetrying() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.$("reconnecting").hidden = true;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

if (!customElements.get("cobrowse-view")) customElements.define("cobrowse-view", CobrowseView);
