// The customer's widget: the "Co-browse" button, the consent dialog, the session ID, the status
// notice and "Exit co-browse session". It lives in a shadow root so the site's CSS and ours
// leave each other alone, and it is never captured (the capture blocks WIDGET_ATTR).
import { WIDGET_ATTR } from "./capture.js";
import STYLE from "./widget.css";
import { legend } from "./texts.js";


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
   * @param {{texts: object, position: string, onYes: () => void, onExit: () => void,
   *          onSession?: (id: string | null, state: string) => void}} options
   *   `texts`: every text shown, in the page's language (texts.js)
   */
  constructor(options) {
    this.options = options;
    this.text = options.texts;
    this.drawingsShown = true; // The customer lets the agent's pointing tools show.
    this.host = el("div", { [WIDGET_ATTR]: "", lang: this.text.lang });
    this.root = this.host.attachShadow({ mode: "open" });
    this.root.append(el("style", {}, STYLE));
    // The launchers sit side by side in one corner ("Co-browse", and "Live chat" with data-chat).
    this.dock = el("div", { class: `dock ${options.position}` });
    this.launcher = this.addLauncher(this.text.cobrowse, () => this.ask());
    this.launcher.hidden = options.button === false;
    this.panel = el("div", { role: "dialog", "aria-labelledby": "cobrowse-title", class: `panel ${options.position}`, hidden: "", tabindex: "-1" });
    this.panel.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      this.hide();
      this.launcher.focus({ preventScroll: true }); // Back where the customer opened it.
    });
    this.status = el("div", { role: "status", class: "status", "aria-live": "polite" });
    // Who sees the page besides the agent, and the agent's name once a colleague took over.
    this.company = el("p", { class: "company", "aria-live": "polite", hidden: "" });
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

  /** Show `children` in the panel; `focus` moves the keyboard into it (the customer opened it).
   * A change of content keeps the keyboard in the panel if it was there; a state change never
   * takes it from the page. */
  show(...children) {
    this.showPanel(false, ...children);
  }

  showPanel(focus, ...children) {
    const active = this.root.activeElement;
    const inPanel = Boolean(active) && this.panel.contains(active);
    const title = el("h2", { id: "cobrowse-title" }, this.text.cobrowse);
    const close = this.button("×", () => this.hide(), "close");
    close.setAttribute("aria-label", this.text.close);
    this.panel.replaceChildren(el("div", { class: "head" }, title, close), ...children);
    this.panel.hidden = false;
    if (focus || inPanel) this.panel.focus({ preventScroll: true });
  }

  hide() {
    this.panel.hidden = true;
  }

  ask() {
    if (this.live) return this.showPanel(true, ...this.sessionView());
    this.showPanel(true,
      el("p", {}, this.text.question),
      el("div", { class: "actions" },
        this.button(this.text.yes, () => { this.connecting(); this.options.onYes(); }, "primary"),
        this.button(this.text.no, () => this.show(el("p", { class: "advice" }, this.text.needCall)))),
    );
  }

  connecting() {
    this.live = true;
    this.id = null;
    this.asking = this.controlOn = false;
    this.setStatus(this.text.connecting);
    this.show(...this.sessionView());
  }

  sessionView() {
    const parts = [];
    if (this.recorded && this.live) parts.push(el("p", { class: "recorded" }, this.text.recorded));
    if (this.id && this.state === "idle") {
      parts.push(el("p", {}, this.text.readId),
        el("p", { class: "session-id", "data-cobrowse-session-id": this.id }, groupDigits(this.id)));
    }
    parts.push(this.status);
    if (this.live && this.state === "active") parts.push(...this.controlView(), this.company);
    if (this.live && this.masked > 0) parts.push(el("p", { class: "legend" }, legend(this.text, this.masked)));
    if (this.live && this.state === "active" && this.drawnOn) {
      const shown = this.drawingsShown;
      const toggle = this.button(this.text.hideDrawings, () => {
        this.drawingsShown = !shown;
        this.options.onDrawings(this.drawingsShown);
        this.show(...this.sessionView());
      });
      toggle.setAttribute("aria-pressed", String(!shown));
      parts.push(el("div", { class: "actions" },
        this.button(this.text.clearDrawings, () => this.options.onDrawings(undefined)), toggle));
    }
    if (this.live) parts.push(el("div", { class: "actions" }, this.button(this.text.exit, () => this.options.onExit(), "danger")));
    return parts;
  }

  /** The agent's control: the question while the customer is asked, "Stop agent control"
   * while the agent has it, nothing otherwise. */
  controlView() {
    const answer = (granted) => () => {
      this.asking = false;
      this.options.onControl(granted);
      this.show(...this.sessionView());
    };
    if (this.asking) {
      return [el("p", { class: "control-question" }, this.text.controlAsk),
        el("div", { class: "actions" }, this.button(this.text.allow, answer(true), "primary"),
          this.button(this.text.deny, answer(false)))];
    }
    if (!this.controlOn) return [];
    return [el("p", { class: "control-on" }, this.text.controlOn),
      el("div", { class: "actions" }, this.button(this.text.stopControl, answer(false), "danger"))];
  }

  /** The agent asks to control the page: the panel opens with the question (the keyboard stays
   * where the customer is typing). */
  askControl() {
    this.asking = true;
    if (this.live) this.show(...this.sessionView());
  }

  /** The agent has control now (or no longer). */
  setControl(granted) {
    this.controlOn = granted;
    if (granted) this.asking = false;
    if (this.live) this.show(...this.sessionView());
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
    const text = { idle: this.text.waiting, active: this.text.established, ended: this.text.ended }[state];
    if (text) this.setStatus(text);
    this.launcher.classList.toggle("live", Boolean(this.live));
    this.show(...this.sessionView());
  }

  /** The agent drew on the page: from now on the panel offers to clear or hide drawings (not
   * before, so the panel covers no more of the page than it needs to). */
  drawn() {
    if (this.drawnOn) return;
    this.drawnOn = true;
    if (!this.panel.hidden) this.show(...this.sessionView());
  }

  /** Colleagues of the agent watching (names, view only) and the agent's name, if known: the
   * customer is told, and the panel opens to say so when it changes. */
  setCompany(watchers, agent) {
    const lines = [];
    if (agent) lines.push(this.text.helpedBy.replace("{name}", agent));
    if (watchers.length) lines.push(this.text.watching.replace("{names}", watchers.join(", ")));
    const text = lines.join(" ");
    if (text === this.company.textContent) return;
    this.company.textContent = text;
    this.company.hidden = !text;
    if (text || !this.panel.hidden) this.show(...this.sessionView());
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
    this.setStatus(this.text.lost);
  }

  /** Another tab of the site (or the next page of this one) holds the session. */
  elsewhere() {
    this.setStatus(this.text.elsewhere);
    if (!this.panel.hidden) this.show(...this.sessionView());
  }

  /** No session after all (the one another tab held had ended): back to the button alone. */
  idle() {
    this.live = false;
    this.id = null;
    this.launcher.classList.remove("live");
    this.hide();
  }

  /** Co-browse is at capacity: no session was started; the customer may try again later. */
  busy() {
    this.live = false;
    this.id = null;
    this.setStatus(this.text.busy);
    this.launcher.classList.remove("live");
    this.show(this.status);
  }

  destroy() {
    this.host.remove();
  }
}
