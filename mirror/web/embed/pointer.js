// Where the customer's pointer came to rest. rrweb samples pointer moves with a leading-only
// throttle: a move that ends within its interval of the one before (a click, then a quick move
// away) is dropped, and the agent sees the pointer where it no longer is. Once the pointer has
// been still for a moment, this sends its last position if that is not the last one sent.
import { EventType, IncrementalSource, MouseInteractions } from "@rrweb/types";

const SETTLE_MS = 60; // Longer than rrweb's sampling interval: its own last move is out by then.

export class PointerSettler {
  /**
   * @param {(event: object) => void} emit sends one rrweb event down the capture's queue
   * @param {(node: Node) => number} idOf rrweb's id of a node, -1 if it has none
   * @param {() => boolean} replaying true while the agent's own action is being dispatched
   */
  constructor(emit, idOf, replaying) {
    this.emit = emit;
    this.idOf = idOf;
    this.replaying = replaying;
    this.last = null; // The latest move: {x, y, target}.
    this.sent = ""; // "x,y" of the last position that left.
    this.timer = 0;
    this.click = null; // The latest click, seen before rrweb's own listener: {target, detail}.
  }

  start() {
    document.addEventListener("mousemove", this.moved, { capture: true, passive: true });
    window.addEventListener("click", this.clicked, { capture: true, passive: true });
  }

  stop() {
    document.removeEventListener("mousemove", this.moved, { capture: true });
    window.removeEventListener("click", this.clicked, { capture: true });
    clearTimeout(this.timer);
    this.click = null;
    this.last = null;
    this.sent = "";
  }

  /** A pointer event on its way out (rrweb's or this one's): the position the agent now sees. */
  seen(event) {
    const positions = event.data && event.data.positions;
    const final = positions && positions[positions.length - 1];
    if (final) this.sent = `${final.x},${final.y}`;
  }

  clicked = (event) => {
    this.click = { target: event.composedPath ? event.composedPath()[0] : event.target, detail: event.detail };
  };

  /** Whether rrweb's interaction `data` is a click no pointer made: Space or Enter, or a
   * script's click(), which browsers place at 0, 0. The customer's pointer was not there; drawn
   * at the element, it would also show which hidden radio or checkbox was picked. */
  pointerless(data) {
    const click = this.click;
    return data.type === MouseInteractions.Click && click !== null && click.detail === 0
      && this.idOf(click.target) === data.id;
  }

  moved = (event) => {
    if (this.replaying()) return; // The agent's pointer, replayed here, is not the customer's.
    const target = event.composedPath ? event.composedPath()[0] : event.target;
    this.last = { x: event.clientX, y: event.clientY, target };
    clearTimeout(this.timer);
    this.timer = setTimeout(this.settle, SETTLE_MS);
  };

  settle = () => {
    const last = this.last;
    if (!last || `${last.x},${last.y}` === this.sent) return;
    const id = this.idOf(last.target);
    if (id < 0) return; // Inside something not captured (the widget, a blocked element).
    this.emit({
      type: EventType.IncrementalSnapshot,
      timestamp: Date.now(),
      data: { source: IncrementalSource.MouseMove, positions: [{ x: last.x, y: last.y, id, timeOffset: 0 }] },
    });
  };
}
