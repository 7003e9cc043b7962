// The customer's widget: the "Co-browse" button, the consent dialog, the session ID, the status
// notice and "Exit co-browse session". It lives in a shadow root so the site's CSS and ours
// leave each other alone, and it is never captured (the capture blocks WIDGET_ATTR).
import { WIDGET_ATTR } from "./capture.js";
import STYLE from "./widget.css";

const TEXT = {
  question: "Are you on a voice call or a chat with one of our representatives?",
  needCall: "To co-browse, first start a voice call or a chat with one of our representatives, then press Co-browse again.",
  connecting: "Starting a co-browse session…",
  readId: "Read this session ID to the representative:",
  recorded: "This co-browse session is recorded: what the representative sees of this page and does in it is kept. Fields hidden from the representative are never recorded.",
  waiting: "Waiting for the representative to join.",
  established: "Co-browse session established: the representative can now see this page and help you.",
  ended: "Co-browse session ended.",
  lost: "Connection to the co-browse service lost. Trying again…",
  legend: (n) => `${n === 1 ? "The field" : `${n} fields`} outlined in orange ${n === 1 ? "is" : "are"} hidden from the representative.`,
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function groupDigits(id) {
  return id.replace(/(\d{3})(?=\d)/g, "$1 ");
}

export class Widget {
  /**
   * @param {{label: string, position: string, onYes: () => void, onExit: () => void,
   *          onSession?: (id: string | null, state: string) => void}} options
   */
  constructor(options) {
    this.options = options;
    this.host = el("div", { [WIDGET_ATTR]: "" });
    this.root = this.host.attachShadow({ mode: "open" });
    this.root.append(el("style", {}, STYLE));
    // The launchers sit side by side in one corner ("Co-browse", and "Live chat" with data-chat).
    this.dock = el("div", { class: `dock ${options.position}` });
    this.launcher = this.addLauncher(options.label, () => this.ask());
    this.launcher.hidden = options.button === false;
    this.panel = el("div", { role: "dialog", "aria-labelledby": "cobrowse-title", class: `panel ${options.position}`, hidden: "" });
    this.status = el("div", { role: "status", class: "status", "aria-live": "polite" });
    this.root.append(this.dock, this.panel);
    (document.body || document.documentElement).append(this.host);
  }

  /** A button in the launcher dock (the first is "Co-browse"). */
  addLauncher(label, onClick) {
    const button = el("button", { type: "button", class: "launcher" }, label);
    button.addEventListener("click", onClick);
    this.dock.append(button);
    return button;
  }

  /** The session panel (ID, status, Exit) if a session is live; false if none is. */
  showSession() {
    if (!this.live) return false;
    this.show(...this.sessionView());
    return true;
  }

  button(label, onClick, kind = "") {
    const b = el("button", { type: "button", class: kind }, label);
    b.addEventListener("click", onClick);
    return b;
  }

  show(...children) {
    const title = el("h2", { id: "cobrowse-title" }, this.options.label);
    const close = this.button("×", () => this.hide(), "close");
    close.setAttribute("aria-label", "Close");
    this.panel.replaceChildren(el("div", { class: "head" }, title, close), ...children);
    this.panel.hidden = false;
  }

  hide() {
    this.panel.hidden = true;
  }

  ask() {
    if (this.showSession()) return;
    this.show(
      el("p", {}, TEXT.question),
      el("div", { class: "actions" },
        this.button("Yes", () => { this.connecting(); this.options.onYes(); }, "primary"),
        this.button("No", () => this.show(el("p", { class: "advice" }, TEXT.needCall)))),
    );
  }

  connecting() {
    this.live = true;
    this.id = null;
    this.setStatus(TEXT.connecting);
    this.show(...this.sessionView());
  }

  sessionView() {
    const parts = [];
    if (this.recorded && this.live) parts.push(el("p", { class: "recorded" }, TEXT.recorded));
    if (this.id && this.state === "idle") {
      parts.push(el("p", {}, TEXT.readId),
        el("p", { class: "session-id", "data-cobrowse-session-id": this.id }, groupDigits(this.id)));
    }
    parts.push(this.status);
    if (this.live && this.masked > 0) parts.push(el("p", { class: "legend" }, TEXT.legend(this.masked)));
    if (this.live) parts.push(el("div", { class: "actions" }, this.button("Exit co-browse session", () => this.options.onExit(), "danger")));
    return parts;
  }

  /** The server assigned (or confirmed) the session; `recorded`: the customer must be told. */
  session(id, state, recorded = false) {
    this.live = true;
    this.id = id;
    this.recorded = recorded;
    this.setState(state);
  }

  setState(state, reason = null) {
    this.state = state;
    if (state === "ended") this.live = false;
    if (this.options.onSession) this.options.onSession(this.id, state, reason);
    const text = { idle: TEXT.waiting, active: TEXT.established, ended: TEXT.ended }[state];
    if (text) this.setStatus(text);
    this.launcher.classList.toggle("live", Boolean(this.live));
    this.show(...this.sessionView());
  }

  /** How many fields on this page the agent cannot see (shown as a legend). */
  setMasked(count) {
    if (count === this.masked) return;
    this.masked = count;
    if (!this.panel.hidden) this.show(...this.sessionView());
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  lost() {
    this.setStatus(TEXT.lost);
  }

  destroy() {
    this.host.remove();
  }
}
