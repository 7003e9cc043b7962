// window.cobrowse: the customer's page's own way to start and end co-browse and to hear of it,
// for a site that uses its own button (data-button="false") or drives co-browse from its code.
// Calls a page makes before this script has loaded are kept by a one-line stub and run here in
// order (docs/integration.md):
//   window.cobrowse = window.cobrowse || { q: [], start(...a) { this.q.push(["start", a]); },
//     end(...a) { this.q.push(["end", a]); }, on(...a) { this.q.push(["on", a]); } };
// Nothing here ever throws into the page: a call that cannot work now warns in the console.
const EVENTS = new Set(["state", "agent-joined", "ended"]);

function warn(text) {
  if (window.console) console.warn(`cobrowse: ${text}`);
}

export class CobrowseApi {
  /** @param {{ask: () => void, startAsked: () => void, exit: () => void}} actions */
  constructor(actions) {
    this.actions = actions;
    this.state = "off"; // "off", "idle" (waiting for the agent), "active", "ended"
    this.listeners = new Map([...EVENTS].map((event) => [event, new Set()]));
  }

  get live() {
    return this.state === "idle" || this.state === "active";
  }

  /** The call-or-chat question, as the button asks it; `{asked: true}` when the site asked. */
  start(options) {
    if (this.live) return warn("start(): a co-browse session is already live");
    if (options && options.asked === true) this.actions.startAsked();
    else this.actions.ask();
  }

  end() {
    if (!this.live) return warn("end(): no co-browse session is live");
    this.actions.exit();
  }

  /** Listen to "state" (the new state), "agent-joined" or "ended" ({reason}); returns a function
   * that stops listening. */
  on(event, listener) {
    if (!EVENTS.has(event) || typeof listener !== "function") {
      warn(`on(): events are ${[...EVENTS].join(", ")}, each with a function`);
      return () => {};
    }
    this.listeners.get(event).add(listener);
    return () => this.listeners.get(event).delete(listener);
  }

  /** The session's state changed (the server said so, or the connection is gone for good). */
  changed(serverState, reason) {
    const state = { idle: "idle", active: "active", ended: "ended" }[serverState];
    if (!state || state === this.state) return;
    this.state = state;
    this.emit("state", state);
    if (state === "active") this.emit("agent-joined", {});
    if (state === "ended") this.emit("ended", { reason: reason || null });
  }

  emit(event, value) {
    for (const listener of [...this.listeners.get(event)]) {
      try {
        listener(value);
      } catch (error) {
        warn(`a listener of "${event}" threw: ${error}`); // The page's own error, kept from ours.
      }
    }
  }

  /** Become window.cobrowse, running what the stub queued before the script loaded. */
  install() {
    const stub = window.cobrowse;
    const queued = stub && Array.isArray(stub.q) ? stub.q : [];
    const api = this;
    window.cobrowse = Object.freeze({
      start: (options) => api.start(options),
      end: () => api.end(),
      on: (event, listener) => api.on(event, listener),
      get state() {
        return api.state;
      },
    });
    for (const call of queued) {
      const [name, args] = Array.isArray(call) ? call : [];
      if (["start", "end", "on"].includes(name)) window.cobrowse[name](...(Array.isArray(args) ? args : []));
    }
  }
}
