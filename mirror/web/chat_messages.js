// Wire messages of the live chat, the browser side's mirror image of mirror/chat/messages.py.
import { PROTOCOL_VERSION } from "./messages.js";

export const chatMsg = {
  hello: (label, resume) => ({ v: PROTOCOL_VERSION, type: "chat_hello", label, ...(resume ? { resume_id: resume.id, resume_token: resume.token } : {}) }),
  say: (text) => ({ v: PROTOCOL_VERSION, type: "say", text }),
  end: () => ({ v: PROTOCOL_VERSION, type: "end_chat" }),
};

export const deskMsg = {
  hello: (resume) => ({ v: PROTOCOL_VERSION, type: "desk_hello", ...(resume ? { resume } : {}) }),
  accept: (chat) => ({ v: PROTOCOL_VERSION, type: "accept", chat }),
  say: (chat, text) => ({ v: PROTOCOL_VERSION, type: "say", chat, text }),
  end: (chat) => ({ v: PROTOCOL_VERSION, type: "end_chat", chat }),
};

/**
 * A desk's waiting chats after a `waiting` message (mirror/chat/messages.py `Waiting`): the chats
 * it lists are added or changed, those in `gone` removed. Returns them oldest first.
 * @param {Map<string, object>} waiting by chat id, changed in place
 */
export function applyWaiting(waiting, change) {
  for (const id of change.gone || []) waiting.delete(id);
  for (const chat of change.chats || []) waiting.set(chat.id, chat);
  return [...waiting.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
}

// mirror/chat/state.py MAX_TEXT: longer messages are refused by the server.
export const MAX_CHAT_TEXT = 2000;

/** One transcript line as a DOM element: the text always as text, never as HTML. */
export function lineElement(line, names) {
  const row = document.createElement("div");
  row.className = `line ${line.sender}`;
  row.dataset.seq = String(line.seq);
  if (line.sender !== "system") {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = `${names[line.sender]}: `;
    row.append(who);
  }
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = line.text;
  row.append(text);
  return row;
}
