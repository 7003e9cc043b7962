// The recording's events in words, for the "Events" list and the markers on the position bar.

const LONG_TEXT = 80; // A chat line longer than this is cut in the list (its title has it all).

export function seconds(t) {
  return `${t.toFixed(1)} s`;
}

const WORDS = {
  started: () => "recording started",
  taken_over: () => "session taken over by another server",
  view: (e) => `view ${e.width}×${e.height}`,
  joined: () => "agent joined",
  action: (e) => `agent ${e.action} ${e.result}${e.reason ? ` (${String(e.reason).replace(/_/g, " ")})` : ""}`,
  chat: (e) => `chat, ${e.sender}: ${cut(e.text || "")}`,
  page: (e) => `page ${e.path}`,
  gap: (e) => `recording stopped ${Number(e.from).toFixed(1)}-${Number(e.to).toFixed(1)} s`,
  agent_left: () => "agent left",
  agent_returned: () => "agent returned",
  ended: (e) => `ended${e.reason ? ` (${String(e.reason).replace(/_/g, " ")})` : ""}`,
};

function cut(text) {
  return text.length > LONG_TEXT ? `${text.slice(0, LONG_TEXT - 1)}…` : text;
}

/** "12.3 s: agent click refused (masked)". */
export function describe(event) {
  const words = WORDS[event.type];
  return `${seconds(event.t)}: ${words ? words(event) : String(event.type).replace(/_/g, " ")}`;
}

/** What a marker on the bar shows the event as, or null for events the bar leaves out. */
export function markerKind(event) {
  if (event.type === "joined") return "join";
  if (event.type === "action" && event.result === "refused") return "refusal";
  if (event.type === "chat") return "chat";
  return null;
}
