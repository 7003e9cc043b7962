// Frames from another origin that the capture cannot read (a payment provider's card form) stay
// private: the render page shows a labelled box of the same size in their place. rrweb marks such a
// frame by moving its src to `rr_src`, which the rebuilt page does not keep, so the frames are
// noted from the events themselves. A frame whose page embeds the script too sends its own
// content (embed/frames.js), which rrweb attaches to the frame's node: that frame is shown.
import { EventType, IncrementalSource } from "@rrweb/types";

export const PLACEHOLDER_ATTR = "data-cobrowse-placeholder";

const STYLE = `html, body { margin: 0; height: 100%; }
body { display: flex; align-items: center; justify-content: center; box-sizing: border-box;
  border: 2px dashed #9aa3b5; background: repeating-linear-gradient(135deg, #eef0f4 0 12px, #e4e7ee 12px 24px);
  font: 14px/1.4 system-ui, sans-serif; color: #3b4455; text-align: center; overflow: hidden; }
p { margin: 0; padding: 6px 12px; background: #fff; border-radius: 6px; }`;

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

export class FramePlaceholders {
  constructor(getNode) {
    this.getNode = getNode;
    this.frames = new Map(); // node id -> host the frame shows
    this.scheduled = false;
  }

  note(event) {
    if (event.type === EventType.FullSnapshot) {
      this.frames.clear();
      this.walk(event.data && event.data.node);
    } else if (event.type === EventType.IncrementalSnapshot && event.data
      && event.data.source === IncrementalSource.Mutation) {
      (event.data.adds || []).forEach((add) => this.walk(add.node));
      if (event.data.isAttachIframe) (event.data.adds || []).forEach((add) => this.frames.delete(add.parentId));
      for (const change of event.data.attributes || []) {
        const src = change.attributes && change.attributes.rr_src;
        if (typeof src === "string") this.frames.set(change.id, hostOf(src));
      }
    }
  }

  walk(node) {
    if (!node || typeof node !== "object") return;
    const src = node.tagName === "iframe" && node.attributes ? node.attributes.rr_src : undefined;
    if (typeof src === "string" && Number.isInteger(node.id)) this.frames.set(node.id, hostOf(src));
    if (Array.isArray(node.childNodes)) node.childNodes.forEach((child) => this.walk(child));
  }

  schedule() {
    if (this.scheduled || !this.frames.size) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.refresh();
    });
  }

  refresh() {
    for (const [id, host] of this.frames) {
      const frame = this.getNode(id);
      const doc = frame && frame.tagName === "IFRAME" ? frame.contentDocument : null;
      if (!doc || (doc.body && doc.body.hasAttribute(PLACEHOLDER_ATTR))) continue;
      const style = doc.createElement("style");
      style.textContent = STYLE;
      const label = doc.createElement("p");
      label.textContent = host ? `Not shared: secure content from ${host}` : "Not shared: secure content";
      const body = doc.createElement("body");
      body.setAttribute(PLACEHOLDER_ATTR, "");
      body.append(style, label);
      if (!doc.documentElement) doc.append(doc.createElement("html"));
      doc.documentElement.replaceChildren(body);
    }
  }
}
