// The agent's chat desk: waiting chats to accept, the open chats' transcripts, replies, "End chat",
// and "Join co-browse" when the customer starts co-browse from the chat and the server sends the
// session's ID (send_session_id = "auto").
import { parse, socketUrl } from "../messages.js";
import { applyWaiting, deskMsg, lineElement } from "../chat_messages.js";

const $ = (id) => document.getElementById(id);
const NAMES = { customer: "Customer", agent: "You" };
const STORAGE_KEY = "cobrowse.desk";
const RETRY_MS = [250, 500, 1000, 2000, 4000, 8000];
const STATE_TEXT = { waiting: "Waiting for an agent.", active: "Chat in progress.", ended: "Chat ended." };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export class ChatDesk {
  /** @param {(id: string, interaction: string) => void} joinCobrowse */
  constructor(joinCobrowse) {
    this.joinCobrowse = joinCobrowse;
    this.chats = new Map(); // id -> the chat as the server last described it
    this.waiting = new Map(); // id -> a waiting chat as listed; the server sends only changes
    this.current = null;
    this.socket = null;
    this.retries = 0;
    $("reply-form").addEventListener("submit", (e) => { e.preventDefault(); this.reply(); });
    $("reply").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.reply(); }
    });
    $("end-chat").addEventListener("click", () => this.current && this.send(deskMsg.end(this.current)));
    $("join-cobrowse").addEventListener("click", () => {
      const chat = this.chats.get(this.current);
      if (!chat || !chat.cobrowse_id) return;
      chat.joined = chat.cobrowse_id;
      $("join-cobrowse").hidden = true;
      this.joinCobrowse(chat.cobrowse_id, chat.id);
    });
  }

  connect() {
    const socket = new WebSocket(socketUrl(location.href, "/ws/desk"));
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(deskMsg.hello(this.storedToken())));
    socket.onmessage = (e) => this.receive(parse(e.data));
    socket.onclose = () => {
      this.socket = null;
      if (this.retries < RETRY_MS.length) setTimeout(() => this.connect(), RETRY_MS[this.retries++]);
    };
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  receive(m) {
    if (!m) return;
    if (m.type === "desk") {
      this.retries = 0;
      this.storeToken(m.token);
      this.waiting.clear(); // The whole list follows.
      $("desk").hidden = false;
    } else if (m.type === "waiting") {
      this.showWaiting(applyWaiting(this.waiting, m));
    } else if (m.type === "chat_update") {
      // A chat new to this desk (just accepted, or handed back after a reload) is shown.
      const isNew = !this.chats.has(m.chat.id);
      const joined = this.chats.get(m.chat.id)?.joined;
      this.chats.set(m.chat.id, { ...m.chat, joined });
      if (isNew || !this.current) this.current = m.chat.id;
      this.render();
    } else if (m.type === "line") {
      const chat = this.chats.get(m.chat);
      if (!chat) return;
      chat.lines.push(m.line);
      if (m.chat === this.current) {
        $("transcript").append(lineElement(m.line, NAMES));
        $("transcript").scrollTop = $("transcript").scrollHeight;
      }
    } else if (m.type === "error") {
      $("chat-notice").textContent = m.detail || m.error;
    }
  }

  showWaiting(chats) {
    $("waiting").replaceChildren(...chats.map((chat) => {
      const accept = el("button", { type: "button" }, "Accept");
      accept.addEventListener("click", () => this.send(deskMsg.accept(chat.id)));
      const title = chat.preview ? `${chat.label}: “${chat.preview}”` : chat.label || "A customer";
      return el("li", {}, el("span", { title }, title), accept);
    }));
    $("no-waiting").hidden = chats.length > 0;
  }

  reply() {
    const text = $("reply").value.trim();
    if (!text || !this.current) return;
    $("reply").value = "";
    $("chat-notice").textContent = "";
    this.send(deskMsg.say(this.current, text));
  }

  select(id) {
    this.current = id;
    this.render();
  }

  render() {
    $("open-chats").replaceChildren(...[...this.chats.values()].map((chat, i) => {
      const tab = el("button", { type: "button", role: "tab", "aria-selected": String(chat.id === this.current) },
        `${i + 1}. ${chat.label || "Customer"}${chat.state === "ended" ? " (ended)" : ""}`);
      tab.addEventListener("click", () => this.select(chat.id));
      return tab;
    }));
    const chat = this.chats.get(this.current);
    $("chat").hidden = !chat;
    if (!chat) return;
    const live = chat.state !== "ended";
    $("chat-state").textContent = STATE_TEXT[chat.state] || chat.state;
    $("transcript").replaceChildren(...chat.lines.map((line) => lineElement(line, NAMES)));
    $("transcript").scrollTop = $("transcript").scrollHeight;
    $("reply-form").hidden = !live;
    $("end-chat").hidden = !live;
    $("join-cobrowse").hidden = !(live && chat.cobrowse_id && chat.cobrowse_id !== chat.joined);
  }

  storedToken() {
    try {
      return sessionStorage.getItem(STORAGE_KEY);
    } catch {
      return null;
    }
  }

  storeToken(token) {
    try {
      sessionStorage.setItem(STORAGE_KEY, token);
    } catch { /* Storage disabled: a reload hands this desk's chats back after the grace period. */ }
  }
}
