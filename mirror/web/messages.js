// Wire messages, the browser side's mirror image of mirror/session/messages.py. The version and
// the close codes are mirror/wire.py's (tests/unit/test_wire_numbers.py keeps them equal).
export const PROTOCOL_VERSION = 1;

/** How the customer's screen shows the page: its colour scheme and device pixel ratio. */
export function screenDisplay() {
  try {
    const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    const ratio = Number(window.devicePixelRatio) || 1;
    return { color_scheme: dark ? "dark" : "light", pixel_ratio: Math.min(8, Math.max(0.25, ratio)) };
  } catch {
    return {};
  }
}

export const msg = {
  hello: (viewport, resume, chat, display = screenDisplay(), tab = null) => ({
    v: PROTOCOL_VERSION, type: "hello", viewport, ...display, ...(tab ? { tab } : {}),
    ...(resume ? { resume_id: resume.id, resume_token: resume.token } : {}),
    ...(chat ? { chat: { id: chat.id, token: chat.token } } : {}),
  }),
  events: (events) => ({ v: PROTOCOL_VERSION, type: "events", events }),
  exit: () => ({ v: PROTOCOL_VERSION, type: "exit" }),
  /** Clear the agent's drawings (either side); the customer shows them or not. */
  erase: () => ({ v: PROTOCOL_VERSION, type: "erase" }),
  drawings: (on) => ({ v: PROTOCOL_VERSION, type: "drawings", on }),
  /** Whether the customer can see this tab (false: another tab or window is in front). */
  looking: (on) => ({ v: PROTOCOL_VERSION, type: "looking", on }),
  /** The customer allows the agent's control, or not (Deny, "Stop agent control"). */
  control: (granted) => ({ v: PROTOCOL_VERSION, type: "control", granted }),
  /** A piece of a stroke of the agent's pointing tools: [[x, y], ...] in the customer's viewport. */
  draw: (tool, points) => ({ v: PROTOCOL_VERSION, type: "draw", tool, points }),
  /** The agent can see the view (true) or not: a hidden tab, a minimised window, scrolled away. */
  watching: (visible) => ({ v: PROTOCOL_VERSION, type: "watching", visible }),
  /** The agent's view could not draw a frame message: the server sends the whole picture. */
  redraw: () => ({ v: PROTOCOL_VERSION, type: "redraw" }),
  /** The agent's view measures its connection: the server answers {type: "pong", t}. */
  ping: (t) => ({ v: PROTOCOL_VERSION, type: "ping", t }),
  /** The agent invites a colleague to watch, by the name the customer is told. */
  invite: (name) => ({ v: PROTOCOL_VERSION, type: "invite", name }),
  /** The agent hands the session to the colleague watching in `seat`. */
  handOver: (seat) => ({ v: PROTOCOL_VERSION, type: "hand_over", seat }),
  join: (id, interaction, rejoin) => ({ v: PROTOCOL_VERSION, type: "join", id, ...(interaction ? { interaction } : {}), ...(rejoin ? { rejoin } : {}) }),
};

// Close codes sent by the server (mirror/wire.py CLOSE_*).
export const CLOSE = {
  ENDED: 4000,
  MALFORMED: 4400,
  FORBIDDEN: 4403,
  UNKNOWN_SESSION: 4404,
  TOO_LARGE: 4413,
  VERSION: 4426,
  BUSY: 4503,
  ELSEWHERE: 4409, // The session went on in another tab or page: wait, take it back when looked at.
  MOVED: 4302, // The session moved to another server: come back through the balancer.
  GOING_AWAY: 1001, // The server is stopping (a desk's socket): come back when it is up again.
};

export function parse(text) {
  try {
    const m = JSON.parse(text);
    return m && typeof m.type === "string" ? m : null;
  } catch {
    return null;
  }
}

/** ws(s):// URL for a path on the server whose http(s) base is `base`. */
export function socketUrl(base, path) {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
