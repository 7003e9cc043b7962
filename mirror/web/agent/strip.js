// The view's status strip: the page the customer is on (its title and path, as the server says),
// how long the session has been active, the connection's quality, from the round trip of a ping
// the server answers at once, and whether the pictures come less sharp (a busy server).
import { msg } from "../messages.js";
import { CONTROL } from "./view_texts.js";

const PING_EVERY_MS = 5000;
// The round trip, in the agent's words.
const QUALITY = [[150, "good"], [400, "fair"], [Infinity, "poor"]];

export const STRIP_HTML = `
<div class="strip" part="strip" id="strip" hidden>
  <span id="page-title"></span><span id="page-path"></span>
  <span id="control"></span>
  <span id="duration" aria-label="Session duration"></span>
  <span id="quality"></span>
  <span id="sharpness"></span>
</div>`;

/** "04:07", or "1:02:09" past an hour. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const rest = `${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return hours ? `${hours}:${rest}` : rest;
}

export class StatusStrip {
  /** @param {(id: string) => HTMLElement} $ the view's elements by ID
   *  @param {(message: object) => void} send to the server, when connected */
  constructor($, send) {
    this.$ = $;
    this.send = send;
    this.durationTimer = 0;
    this.pingTimer = 0;
  }

  shown(on) {
    this.$("strip").hidden = !on;
  }

  /** The server's `page` message. */
  page({ title, path }) {
    this.$("page-title").textContent = title || "";
    this.$("page-path").textContent = path;
  }

  /** The session has been active `activeS` seconds (the server's count: no clock skew). */
  start(activeS) {
    this.stop();
    const since = performance.now() - activeS * 1000;
    const tick = () => { this.$("duration").textContent = clock((performance.now() - since) / 1000); };
    tick();
    this.durationTimer = setInterval(tick, 1000);
    const ping = () => this.send(msg.ping(performance.now()));
    ping();
    this.pingTimer = setInterval(ping, PING_EVERY_MS);
  }

  stop() {
    clearInterval(this.durationTimer);
    clearInterval(this.pingTimer);
  }

  /** The server's `pong` to one of this strip's pings. */
  pong({ t }) {
    const roundTripMs = performance.now() - t;
    const [, word] = QUALITY.find(([limit]) => roundTripMs < limit);
    this.quality(`Connection: ${word} (${Math.round(roundTripMs)} ms)`, word);
  }

  /** Who acts on the customer's page (the server's `control` message). */
  control({ granted, mode }) {
    this.$("control").textContent = granted ? CONTROL.granted : CONTROL[mode] || "";
  }

  /** Between two tries to reconnect (the view's badge says it is coming back). */
  lost() {
    this.quality("Connection: lost", "poor");
  }

  quality(text, word) {
    this.$("quality").textContent = text;
    this.$("quality").dataset.quality = word;
  }

  /** Whether the last whole frame came captured smaller than the customer's screen: the
   * server is short of CPU and sends less sharp pictures rather than fewer. */
  sharpness(reduced) {
    this.$("sharpness").textContent = reduced ? "Reduced sharpness: the server is busy" : "";
  }
}
