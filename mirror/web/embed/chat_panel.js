// The customer's chat panel: the message log, a box, "Send", "Co-browse" and "End chat". It lives
// in the widget's shadow root, so it is never captured and the site's CSS leaves it alone.
import { MAX_CHAT_TEXT, lineElement } from "../chat_messages.js";


function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export class ChatPanel {
  /**
   * @param {import('./widget.js').Widget} widget
   * @param {{send: (text: string) => void, cobrowse: () => void, end: () => void,
   *          toggled: () => void}} actions
   */
  constructor(widget, actions) {
    this.widget = widget;
    this.actions = actions;
    this.text = widget.text;
    this.names = { customer: this.text.you, agent: this.text.agent };
    const text = this.text;
    this.stateText = {
      connecting: text.chatConnecting, waiting: text.chatWaiting, active: text.chatActive,
      ended: text.chatEnded, lost: text.chatLost,
    };
    this.state = el("p", { class: "chat-state" }, this.text.chatWaiting);
    this.log = el("div", { role: "log", "aria-label": this.text.chatMessages, "aria-live": "polite", class: "chat-log" });
    this.notice = el("p", { class: "chat-notice", "aria-live": "assertive" });
    this.input = el("textarea", { id: "cobrowse-chat-message", rows: "2", maxlength: String(MAX_CHAT_TEXT) });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.submit(); }
    });
    const form = el("form", { class: "chat-form" },
      el("label", { for: "cobrowse-chat-message" }, this.text.message), this.input,
      el("button", { type: "submit", class: "primary" }, this.text.send));
    form.addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    this.cobrowseButton = this.button(this.text.cobrowse, () => actions.cobrowse());
    this.endButton = this.button(this.text.endChat, () => actions.end(), "danger");
    const minimise = this.button("–", () => this.hide(), "close");
    minimise.setAttribute("aria-label", this.text.minimiseChat);
    this.element = el("section", { "aria-label": this.text.liveChat, class: `chat-panel ${widget.options.position}`, hidden: "" },
      el("div", { class: "head" }, el("h2", {}, this.text.liveChat), minimise),
      this.state, this.log, this.notice, form,
      el("div", { class: "actions" }, this.cobrowseButton, this.endButton));
    this.form = form;
    widget.root.append(this.element);
  }

  button(label, onClick, kind = "") {
    const b = el("button", { type: "button", class: kind }, label);
    b.addEventListener("click", onClick);
    return b;
  }

  get open() {
    return !this.element.hidden;
  }

  show() {
    this.element.hidden = false;
    // Two "Co-browse" buttons side by side would be one too many: the chat's starts it now.
    this.widget.launcher.hidden = true;
    this.widget.panel.classList.add("beside-chat");
    this.input.focus({ preventScroll: true });
    this.actions.toggled();
  }

  hide() {
    this.element.hidden = true;
    this.widget.launcher.hidden = this.widget.options.button === false; // The site's own button.
    this.widget.panel.classList.remove("beside-chat");
    this.actions.toggled();
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.setNotice("");
    this.actions.send(text);
  }

  setState(state) {
    this.state.textContent = this.stateText[state] || "";
    const ended = state === "ended";
    this.form.hidden = ended;
    this.endButton.hidden = ended;
    if (ended) this.cobrowseButton.hidden = true;
  }

  /** Hide "Co-browse" while a co-browse session is live (it cannot start twice). */
  setCobrowseLive(live) {
    this.cobrowseButton.hidden = live || this.endButton.hidden;
  }

  setLines(lines) {
    this.log.replaceChildren(...lines.map((line) => lineElement(line, this.names)));
    this.log.scrollTop = this.log.scrollHeight;
  }

  addLine(line) {
    this.log.append(lineElement(line, this.names));
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** A line only this customer sees (the co-browse ID to type, in "manual" mode). */
  addLocalLine(text) {
    this.addLine({ seq: 0, sender: "system", text });
  }

  setNotice(text) {
    this.notice.textContent = text;
  }
}
