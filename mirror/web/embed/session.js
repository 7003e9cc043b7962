// The customer's side of a session: the socket to the server, the capture, and the widget's
// notices. The session is kept in sessionStorage so the next page of the site resumes it.
import { msg, parse, socketUrl, CLOSE } from "../messages.js";
import { Capture } from "./capture.js";
import { Policy } from "./policy.js";
import { MaskMarks } from "./marks.js";
import { Player } from "../../../replay/web/player.js";
import { AgentPointer } from "../../../replay/web/agent_pointer.js";
import { Drawings } from "../../../replay/web/drawings.js";
import { record } from "@rrweb/record";
import { share, sharedSession, tabId, unshare, watchTab } from "./tabs.js";

const STORAGE_KEY = "cobrowse.session";
const RETRY_MS = [250, 500, 1000, 2000, 4000];

function viewport() {
  return { width: window.innerWidth, height: window.innerHeight };
}

export class CustomerSession {
  /**
   * @param {string} base server URL  @param {import('./widget.js').Widget} widget
   * @param {import('./frames.js').FrameHost} frames the page's frames of other origins
   */
  constructor(base, widget, frames) {
    this.base = base;
    this.widget = widget;
    this.frames = frames;
    this.capture = null;
    this.player = null;
    this.pointer = new AgentPointer();
    // The agent's pointing tools, in the widget's shadow root: over the page, never captured.
    this.drawings = new Drawings(widget.root, () => ({
      x: window.scrollX, y: window.scrollY, width: window.innerWidth, height: window.innerHeight,
    }));
    this.socket = null;
    this.retries = 0;
    this.ended = false;
    // [session] agent_control: "write" (the agent acts), "ask" (once the customer allows), or
    // "pointer". Checked here again before any script is replayed, as every other rule is.
    this.controlMode = "write";
    this.controlGranted = false;
    this.following = false; // Resuming the session another tab holds, not yet confirmed.
    this.waiting = false; // Another tab or page holds the session: this one waits.
  }

  /** Follow the customer's tabs: the tab looked at takes the session, and says when it is out
   * of sight. */
  watchTabs() {
    watchTab(() => this.lookedAt(), (visible) => this.send(msg.looking(visible)));
  }

  /** The customer turned to this tab: it takes the session its page had, or the one another
   * tab of the site holds. */
  lookedAt() {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return; // It holds it, or soon.
    const own = CustomerSession.stored();
    const record = own || (this.live() ? null : sharedSession());
    if (!record) return;
    this.following = !own;
    this.widget.connecting();
    this.connect(record);
  }

  live() {
    return Boolean(this.capture) || this.waiting;
  }

  static stored() {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      return null;
    }
  }

  /**
   * Open the socket; with `resume`, continue the session an earlier page started; with `chat`
   * ({id, token}), tie the new session to the customer's live chat.
   */
  connect(resume = null, chat = null) {
    this.ended = false;
    clearTimeout(this.retryTimer);
    const socket = new WebSocket(socketUrl(this.base, "/ws/customer"));
    this.socket = socket;
    this.waiting = false;
    socket.onopen = () => socket.send(JSON.stringify(msg.hello(viewport(), resume, chat, undefined, tabId())));
    socket.onmessage = (e) => this.receive(parse(e.data));
    socket.onclose = (e) => this.socket === socket && this.closed(e);
  }

  receive(m) {
    if (!m) return;
    if (m.type === "session") {
      this.retries = 0;
      this.following = false;
      if (this.exitOnResume) {
        this.exitOnResume = false;
        this.send(msg.exit());
      }
      this.store({ id: m.id, token: m.token });
      this.start(new Policy(m.policy), m.capture);
      if (m.state === "idle") this.capture.warmUp();
      this.controlMode = m.control || "write";
      this.widget.session(m.id, m.state, Boolean(m.recorded));
    } else if (m.type === "status") {
      this.widget.setState(m.state, m.reason);
      if (m.state === "ended") this.finish();
    } else if (m.type === "snapshot") {
      this.capture?.snapshot();
    } else if (m.type === "script") {
      this.player?.run(m);
    } else if (m.type === "draw") {
      this.widget.drawn();
      if (this.widget.drawingsShown) this.drawings.add(m.tool, m.points);
    } else if (m.type === "erase") {
      this.drawings.clear();
    } else if (m.type === "ask_control") {
      this.widget.askControl();
    } else if (m.type === "control") {
      this.controlGranted = Boolean(m.granted);
      this.widget.setControl(this.controlGranted);
    } else if (m.type === "company") {
      this.widget.setCompany(m.watchers || [], m.agent || "");
    }
  }

  start(policy, budget) {
    if (this.capture) return;
    const replaying = () => this.player?.dispatching != null;
    this.capture = new Capture((events) => this.send(msg.events(events)), policy, replaying, budget, {
      onSnapshot: () => this.frames.share(),
      roots: () => this.marks?.roots || [document],
    });
    this.marks = new MaskMarks(policy, (count) => this.widget.setMasked(count));
    this.marks.start();
    this.player = new Player({
      getNode: (id) => record.mirror.getNode(id),
      send: (answer) => this.send(answer),
      policy,
      pointer: this.pointer,
      mayAct: () => this.controlMode === "write" || (this.controlMode === "ask" && this.controlGranted),
    });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  exit() {
    if (this.waiting) {
      this.exitOnResume = true; // Pressed in a tab that waits: it takes the session to end it.
      return this.lookedAt();
    }
    this.send(msg.exit());
  }

  /** The customer's Allow (true), Deny or "Stop agent control" (false). Taking control back
   * holds at once: scripts already on their way are refused here. */
  controlChanged(granted) {
    if (!granted) {
      this.controlGranted = false;
      this.widget.setControl(false);
    }
    this.send(msg.control(granted));
  }

  /** The customer's "Clear drawings" (`show` undefined) or "Hide/Show drawings". */
  drawingsChanged(show) {
    this.drawings.clear();
    this.send(show === undefined ? msg.erase() : msg.drawings(show));
  }

  closed(event) {
    this.capture?.stop();
    this.frames.stop();
    if (this.ended) return;
    if (event.code === CLOSE.ELSEWHERE) return this.wait();
    if (this.following) {
      // The session another tab held had ended: nothing to tell the customer here.
      unshare(null);
      this.following = false;
      this.widget.idle();
      this.finish();
      return;
    }
    const stored = CustomerSession.stored();
    if (event.code === CLOSE.BUSY && !stored) {
      // At capacity before a session began: the customer is told, and may try again later.
      this.widget.busy();
      this.finish();
      return;
    }
    const final = event.code === CLOSE.ENDED || event.code === CLOSE.UNKNOWN_SESSION || event.code === CLOSE.FORBIDDEN;
    if (final || !stored || this.retries >= RETRY_MS.length) {
      this.widget.setState("ended");
      this.finish();
      return;
    }
    // The server or the network blinked: come back to the same session while it is live.
    this.widget.lost();
    this.retryTimer = setTimeout(() => this.connect(stored), RETRY_MS[this.retries++]);
  }

  /** Another tab (or the next page of this one) took the session: this page stops sharing and
   * waits, keeping the session to take it back when the customer looks at it again. */
  wait() {
    this.socket = null;
    this.capture = null;
    this.stopPlaying();
    this.waiting = true;
    this.widget.elsewhere();
  }

  stopPlaying() {
    this.player?.destroy();
    this.player = null;
    this.marks?.stop();
    this.marks = null;
    this.widget.setMasked(0);
    this.pointer.remove();
    this.drawings.clear();
  }

  finish() {
    const stored = CustomerSession.stored();
    this.ended = true;
    this.waiting = false;
    this.capture?.stop();
    this.capture = null;
    this.frames.stop();
    this.stopPlaying();
    this.drawings.destroy();
    unshare(stored && stored.id);
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch { /* storage may be disabled */ }
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
  }

  store(value) {
    share(value);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
    } catch { /* storage may be disabled: the session then lasts one page */ }
  }
}
