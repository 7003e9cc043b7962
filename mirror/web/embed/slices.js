// The full snapshot in slices. rrweb serialises the whole page in one task, which froze a large
// page for a quarter of a second at every join. Here rrweb's snapshot holds only the document's
// skeleton (the document, <html> and its children, all without their children); the rest follows
// as rrweb mutations that add it, a few milliseconds of work a task, in document order, so the
// mirror builds from the top while the customer's page keeps running. Changes made meanwhile need
// nothing of their own: rrweb's observers send a change to a node already sent and drop one to a
// node not sent yet, which is sent as it then is when its turn comes. A large change of the page
// (a view of a single-page site replaced) is sent in slices the same way (setMutationSlices).
import { serializeNodeWithId, setMutationSlices, setSnapshotHook } from "@rrweb/record";
import { EventType, IncrementalSource, NodeType } from "@rrweb/types";
import { SheetReader } from "./sheets.js";
import { nextTask, whenIdle } from "./tasks.js";

const SLICE_MS = 6; // Serialising; masking and sending the slice come on top.
const IGNORED = -2; // rrweb's id of a node it leaves out (a script, a comment, head whitespace).
const WHOLE_ELEMENTS = 128; // An element holding no more goes in one add, with what it holds.
// A pause once what the customer sees is sent, while the agent's first frame is drawn from it:
// on a machine shared with the server (a kiosk, a test run) the next slices would compete with it.
const SCREEN_PAUSE_MS = 250;
const FOLD_ELEMENTS = 64; // Siblings each looked at for whether they show (see belowFold).
const LARGE_CHANGE = 500; // Nodes a change adds, from which they wait for the page's own frame...
const LARGE_CHANGE_WAIT_MS = 100; // ...at most this long, on a page that is never idle.

/**
 * Whether nothing of `node` and what follows it shows in the window (0 to `fold`, its height).
 * Every element left with a box is looked at (an element placed out of the flow, a fixed
 * banner at the end of the body, shows wherever it is), up to a few dozen: past those, one that
 * begins below the window tells for the rest, which follow it in the flow (a long list). Text
 * is not known to lie anywhere.
 */
function belowFold(node, fold) {
  let elements = 0;
  let below = false; // An element begins below the window: in the flow, those after it do too.
  for (let next = node; next; next = next.nextSibling) {
    if (next.nodeType === Node.TEXT_NODE && next.data.trim()) return false;
    if (next.nodeType !== Node.ELEMENT_NODE) continue;
    elements += 1;
    const box = next.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    if (box.top < fold && box.bottom > 0) return false;
    below = below || box.top >= fold;
    if (elements >= FOLD_ELEMENTS) return below;
  }
  return true;
}

/** A Mutation event of added nodes, as rrweb's observers emit. */
export function addsEvent(adds) {
  return {
    type: EventType.IncrementalSnapshot,
    timestamp: Date.now(),
    data: { source: IncrementalSource.Mutation, texts: [], attributes: [], removes: [], adds },
  };
}

/**
 * @typedef {object} SliceHooks
 * @property {(sn: object, node: Node, hiddenAbove: boolean, parentTag: string) => boolean|null} mask
 *   masks a serialised node (and what it holds) in place: whether it is hidden, null if it may not leave
 * @property {(element: Element) => boolean} hidden whether an element is hidden, looking around it
 * @property {() => void} started the skeleton is sent, in a task of its own before the first slice
 * @property {(adds: object[]) => void} send a slice's added nodes, masked, to send now
 * @property {() => void} screen what the customer sees is sent, more is to come (once a walk)
 * @property {() => void} done the snapshot is whole
 */

export class SlicedSnapshot {
  /** @param {SliceHooks} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    this.walk = null;
    this.generation = 0; // A change's rest waiting from before a stop or a new snapshot is not sent.
    setMutationSlices({ ms: SLICE_MS, large: LARGE_CHANGE, later: this.emitLater });
  }

  /** rrweb's mutation buffer emits (the rest of) a change in another task: the next, or once
   * the page is idle for a large change just made, so that the page's own rendering of it goes
   * first. One wait at a time. */
  emitLater = (buffer, large) => {
    if (buffer.cobrowseWaits) return;
    buffer.cobrowseWaits = true;
    const generation = this.generation;
    const emit = () => {
      buffer.cobrowseWaits = false;
      if (generation === this.generation) buffer.emit();
    };
    if (large) whenIdle(emit, LARGE_CHANGE_WAIT_MS);
    else nextTask().then(emit);
  };

  get busy() {
    return this.walk !== null;
  }

  /** rrweb's next snapshot (record() or takeFullSnapshot) is the skeleton, and the walk begins. */
  arm() {
    this.cancel();
    setSnapshotHook((doc, options) => {
      setSnapshotHook(null);
      return this.start(doc, options);
    });
  }

  cancel() {
    this.generation += 1;
    setSnapshotHook(null);
    if (this.walk) this.walk.cancelled = true;
    this.walk = null;
  }

  /** rrweb's own observers added nodes while the walk goes on (see Walk.nextId). */
  noteAdds() {
    if (this.walk && !this.walk.attaching) this.walk.foreign = true;
  }

  start(doc, options) {
    // Every node is sent again: rrweb's mirror must hold only what the new snapshot has sent.
    // The document is 1, as in rrweb's own first snapshot: it marks every node of a document
    // numbered otherwise as a frame's.
    options.mirror.reset();
    options.mirror.add(doc, { type: NodeType.Document, childNodes: [], id: 1 });
    const walk = new Walk(doc, options, this.hooks);
    this.walk = walk;
    const skeleton = walk.skeleton();
    walk.run().then((finished) => {
      if (!finished || this.walk !== walk) return;
      this.walk = null;
      this.hooks.done();
    });
    return skeleton;
  }
}

class Walk {
  constructor(doc, options, hooks) {
    this.doc = doc;
    this.hooks = hooks;
    this.mirror = options.mirror;
    // One options object for every call: rrweb reads it at the start of each. A same-origin
    // frame's document is sent in slices too (openFrame), not whole by rrweb when it loads.
    this.options = { ...options, onIframeLoad: undefined };
    this.attachFrame = options.onIframeLoad;
    this.stack = []; // cursors: the containers whose children are being sent, innermost last
    this.frames = []; // frame elements sent whose documents are to be sent
    this.cancelled = false;
    this.foreign = false;
    this.attaching = false;
    this.screenSent = false;
    this.sheets = new SheetReader();
  }

  /** The document with its children and <html>'s, without theirs. */
  skeleton() {
    return this.rootOf(this.doc, false);
  }

  /** A document and its children and <html>'s, without theirs, whose children's cursors are
   * put on the stack. `needsMask`: an element around it masks its text (a frame's). */
  rootOf(doc, needsMask) {
    const options = this.options;
    Object.assign(options, { doc, skipChild: true, needsMask: needsMask || undefined, preserveWhiteSpace: true });
    const root = serializeNodeWithId(doc, options);
    if (!root) return null;
    const cursors = [];
    for (const child of doc.childNodes) {
      const sn = serializeNodeWithId(child, options);
      if (!sn) continue;
      root.childNodes.push(sn);
      if (sn.type !== NodeType.Element) continue;
      for (const inner of child.childNodes) {
        const innerSn = serializeNodeWithId(inner, options);
        if (!innerSn) continue;
        sn.childNodes.push(innerSn);
        if (innerSn.type !== NodeType.Element) continue;
        const cursor = this.cursor(inner, innerSn, this.hooks.hidden(inner));
        cursor.needsMask = needsMask || this.masksText(inner, true);
        cursors.push(cursor);
      }
    }
    this.stack.push(...cursors.reverse()); // <head> first
    return root;
  }

  /** Sends the page a slice at a time; false when cancelled before the end. */
  async run() {
    await nextTask(); // rrweb emits the skeleton first.
    if (this.cancelled) return false;
    this.hooks.started();
    await nextTask();
    while (this.stack.length || this.frames.length) {
      if (this.cancelled) return false;
      // The frame elements went in the last slice: their documents can follow.
      for (const frame of this.frames.splice(0)) this.openFrame(frame);
      const deadline = performance.now() + SLICE_MS;
      const adds = [];
      for (let n = 1; this.stack.length && (n % 16 || performance.now() < deadline); n++) this.step(adds);
      if (adds.length) this.hooks.send(adds);
      const more = this.stack.length || this.frames.length;
      if (more && !this.screenSent && this.passedFold()) {
        this.screenSent = true;
        this.hooks.screen();
        await new Promise((resolve) => setTimeout(resolve, SCREEN_PAUSE_MS));
      }
      if (more) await nextTask();
    }
    return !this.cancelled;
  }

  /** One node sent, or one cursor done with. */
  step(adds) {
    const cursor = this.stack[this.stack.length - 1];
    let child = this.alive(cursor) ? cursor.next : null;
    if (child && child.parentNode !== cursor.container) child = this.firstUnsent(cursor.container);
    if (!child) {
      this.stack.pop();
      return;
    }
    if (this.sent(child)) {
      cursor.next = child.nextSibling;
      return;
    }
    const element = child.nodeType === Node.ELEMENT_NODE;
    if (element && this.sheets.reading(child)) return; // The same child again, at the next step.
    cursor.next = child.nextSibling;
    const whole = !element || this.small(child);
    Object.assign(this.options, {
      doc: cursor.doc, skipChild: !whole, needsMask: cursor.needsMask, preserveWhiteSpace: !cursor.inHead,
    });
    const sn = serializeNodeWithId(child, this.options);
    if (element) this.sheets.done(child);
    if (!sn) return;
    const hidden = this.hooks.mask(sn, child, cursor.hidden, cursor.tag);
    if (hidden === null) return; // Masking failed: nothing of it leaves.
    adds.push({ parentId: cursor.id, nextId: this.nextId(child), node: sn });
    const needsMask = cursor.needsMask || (element && this.masksText(child));
    if (sn.tagName === "iframe") this.frames.push({ iframe: child, id: sn.id, needsMask });
    if (whole || this.blocked(child)) return;
    if (child.shadowRoot) {
      this.stack.push({ ...this.cursor(child, sn, hidden), container: child.shadowRoot, next: child.shadowRoot.firstChild, needsMask });
    }
    this.stack.push({ ...this.cursor(child, sn, hidden), needsMask });
  }

  /** Whether what is left to send lies below what the customer sees: the next node of each
   * container being walked starts below the viewport, so in the page's flow all that follows it
   * does too. A frame's document or the head's styles still to come: not yet. */
  passedFold() {
    const view = this.doc.defaultView;
    if (!view || this.frames.length) return false;
    return this.stack.every((cursor) => cursor.doc === this.doc && !(cursor.inHead && cursor.next)
      && belowFold(cursor.next, view.innerHeight));
  }

  /** An element that goes whole: few elements inside, no frame and no shadow root on top (a
   * frame's document and a component's contents go in slices of their own). */
  small(element) {
    if (element.shadowRoot) return false;
    if (element.childElementCount === 0) return true;
    return element.getElementsByTagName("*").length <= WHOLE_ELEMENTS && !element.querySelector("iframe");
  }

  /** A same-origin frame's document, once the frame's element has been sent: its skeleton
   * attached by rrweb (which starts observing it), its nodes in the next slices. A frame still
   * loading is left to its load, which makes the page take a fresh snapshot (capture.js). */
  openFrame({ iframe, id, needsMask }) {
    let doc = null;
    try {
      doc = iframe.contentDocument;
      const blank = iframe.contentWindow.location.href === "about:blank" && iframe.src && iframe.src !== "about:blank";
      if (!doc || doc.readyState !== "complete" || blank) return;
    } catch {
      return; // Another origin's: its own capture sends it (frames.js).
    }
    if (this.mirror.getNode(id) !== iframe || !this.attachFrame) return;
    const root = this.rootOf(doc, needsMask);
    if (!root) return;
    this.attaching = true; // rrweb's attaching event is the walk's own, not a change of the page.
    try {
      this.attachFrame(iframe, root);
    } finally {
      this.attaching = false;
    }
  }

  cursor(element, sn, hidden) {
    const inHead = sn.tagName === "head" && Boolean(this.options.slimDOMOptions && this.options.slimDOMOptions.headWhitespace);
    return {
      container: element, host: element, doc: element.ownerDocument, id: sn.id, next: element.firstChild,
      hidden, tag: sn.tagName, inHead, needsMask: false,
    };
  }

  /** The container is still in the mirror, where the walk found it. */
  alive(cursor) {
    if (this.mirror.getNode(cursor.id) !== cursor.host) return false;
    return cursor.container === cursor.host || cursor.host.shadowRoot === cursor.container;
  }

  sent(node) {
    const id = this.mirror.getId(node);
    return id === IGNORED || (id > 0 && this.mirror.getNode(id) === node);
  }

  firstUnsent(container) {
    for (let child = container.firstChild; child; child = child.nextSibling) if (!this.sent(child)) return child;
    return null;
  }

  /** The walk sends children in order, so what follows a node is not sent yet, unless rrweb's
   * observers sent it: then the node goes before the first of those. */
  nextId(node) {
    if (!this.foreign) return null;
    for (let next = node.nextSibling; next; next = next.nextSibling) {
      const id = this.mirror.getId(next);
      if (id > 0 && this.mirror.getNode(id) === next) return id;
    }
    return null;
  }

  /** rrweb's blocking rule: a blocked element goes as an empty box, without what it holds. */
  blocked(element) {
    const { blockClass, blockSelector } = this.options;
    try {
      const byClass = typeof blockClass === "string" ? element.classList.contains(blockClass)
        : [...element.classList].some((name) => blockClass.test(name));
      return byClass || Boolean(blockSelector && element.matches(blockSelector));
    } catch {
      return true;
    }
  }

  /** rrweb's text-masking rule for an element (and, with `around`, the elements around it). */
  masksText(element, around = false) {
    const { maskTextClass, maskTextSelector } = this.options;
    try {
      const byClass = typeof maskTextClass === "string"
        ? (around ? Boolean(element.closest(`.${maskTextClass}`)) : element.classList.contains(maskTextClass))
        : [...element.classList].some((name) => maskTextClass.test(name));
      if (byClass || !maskTextSelector) return byClass;
      return around ? Boolean(element.closest(maskTextSelector)) : element.matches(maskTextSelector);
    } catch {
      return true;
    }
  }
}
