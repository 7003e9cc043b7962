// The customer's live chat: the socket to the chat hub and the panel it drives. The chat is kept
// in sessionStorage, so it carries on across the pages of the site, like a co-browse session.
import { parse, socketUrl, CLOSE } from "../messages.js";
import { chatMsg } from "../chat_messages.js";
import { ChatPanel } from "./chat_panel.js";

const STORAGE_KEY = "cobrowse.chat";
const RETRY_MS = [250, 500, 1000, 2000, 4000];

function groupDigits(id) {
  return id.replace(/(\d{3})(?=\d)/g, "$1 ");
}

export class CustomerChat {
  /**
   * @param {string} base server URL
   * @param {import('./widget.js').Widget} widget
   * @param {{startCobrowse: (chat: {id: string, token: string}) => void}} hooks
   */
  constructor(base, widget, hooks) {
    this.base = base;
    this.hooks = hooks;
    this.panel = new ChatPanel(widget, {
      send: (text) => this.say(text),
      cobrowse: () => this.cobrowse(),
      end: () => this.end(),
      toggled: () => this.store(),
    });
    this.socket = null;
    this.chat = null; // {id, token} once the server has started the chat
    this.confirmed = false; // The server has confirmed this.chat on the current socket.
    this.mode = "auto";
    this.pending = []; // Messages written before the chat started, sent once it has.
    this.retries = 0;
    this.ended = false;
    this.wantsCobrowse = false;
    widget.addLauncher(widget.text.liveChat, () => this.open());
    const stored = CustomerChat.stored();
    if (stored) {
      this.chat = { id: stored.id, token: stored.token };
      this.connect();
      if (stored.open) this.panel.show();
    }
  }

  static stored() {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      return null;
    }
  }

  open() {
    if (this.ended) this.reset();
    this.panel.show();
  }

  /** The chat starts with the customer's first message (or "Co-browse"), not an empty one. */
  say(text) {
    this.send(chatMsg.say(text));
  }

  cobrowse() {
    const live = this.liveChat();
    if (live) {
      this.hooks.startCobrowse(live);
      return;
    }
    this.wantsCobrowse = true; // Once the chat exists.
    this.connectOnce();
  }

  /**
   * The chat ({id, token}) while it is live on this page, else null. A co-browse session started
   * meanwhile, from whichever button, is tied to it: the chat then knows the session's ID.
   */
  liveChat() {
    const open = this.socket && this.socket.readyState === WebSocket.OPEN;
    return this.chat && this.confirmed && open && !this.ended ? this.chat : null;
  }

  end() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(chatMsg.end()));
    else this.finish();
  }

  send(message) {
    if (this.chat && this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return;
    }
    this.pending.push(message);
    this.connectOnce();
  }

  connectOnce() {
    if (!this.socket) this.connect();
  }

  connect() {
    this.panel.setState(this.chat ? "lost" : "connecting");
    this.confirmed = false;
    const socket = new WebSocket(socketUrl(this.base, "/ws/chat"));
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(chatMsg.hello(document.title || location.hostname, this.chat)));
    socket.onmessage = (e) => this.receive(parse(e.data));
    socket.onclose = (e) => this.closed(e);
  }

  receive(m) {
    if (!m) return;
    if (m.type === "chat") {
      this.retries = 0;
      this.chat = { id: m.chat.id, token: m.token };
      this.confirmed = true;
      this.mode = m.send_session_id;
      this.store();
      this.panel.setLines(m.chat.lines);
      this.panel.setState(m.chat.state);
      for (const message of this.pending.splice(0)) this.socket.send(JSON.stringify(message));
      if (this.wantsCobrowse) {
        this.wantsCobrowse = false;
        this.hooks.startCobrowse(this.chat);
      }
    } else if (m.type === "line") {
      this.panel.addLine(m.line);
    } else if (m.type === "chat_update") {
      this.panel.setState(m.chat.state);
      if (m.chat.state === "ended") this.finish();
    } else if (m.type === "error") {
      this.panel.setNotice(m.error === "too_long" ? this.panel.text.chatTooLong : m.detail || m.error);
    }
  }

  /** Co-browse started or changed state: in "manual" mode the customer types the ID here. */
  cobrowseChanged(id, state) {
    this.panel.setCobrowseLive(state === "idle" || state === "active");
    if (id && state === "idle" && this.mode === "manual" && id !== this.shownId) {
      this.shownId = id;
      this.panel.addLocalLine(`Your co-browse session ID is ${groupDigits(id)}. Type it here so the agent can join.`);
    }
  }

  closed(event) {
    this.socket = null;
    if (this.ended) return;
    const final = event.code === CLOSE.ENDED || event.code === CLOSE.UNKNOWN_SESSION || event.code === CLOSE.FORBIDDEN;
    if (final || !this.chat || this.retries >= RETRY_MS.length) {
      this.finish();
      return;
    }
    this.panel.setState("lost");
    setTimeout(() => this.connect(), RETRY_MS[this.retries++]);
  }

  finish() {
    this.ended = true;
    this.confirmed = false;
    this.panel.setState("ended");
    this.pending = [];
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch { /* storage may be disabled */ }
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
  }

  /** "Live chat" after an ended chat starts afresh. */
  reset() {
    this.ended = false;
    this.chat = null;
    this.retries = 0;
    this.shownId = null;
    this.panel.setLines([]);
    this.panel.setState("waiting");
    this.panel.setCobrowseLive(false);
  }

  store() {
    if (!this.chat) return;
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ ...this.chat, open: this.panel.open }));
    } catch { /* storage may be disabled: the chat then lasts one page */ }
  }
}
