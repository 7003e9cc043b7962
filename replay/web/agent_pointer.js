// The agent's pointer, drawn on the customer's page and labelled as the agent's. It is part of
// the widget (never captured) and never takes the customer's clicks.
import { WIDGET_ATTR } from "../../mirror/web/embed/capture.js";

const ARROW = '<svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true"><path d="M2 2l7 18 2.6-7.4L19 10z" fill="#e5484d" stroke="#fff" stroke-width="1.6" stroke-linejoin="round"/></svg>';

export class AgentPointer {
  constructor() {
    this.host = null;
  }

  move(x, y) {
    if (!this.host) this.create();
    this.host.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
    this.host.style.opacity = "1";
  }

  create() {
    const host = document.createElement("div");
    host.setAttribute(WIDGET_ATTR, "");
    host.setAttribute("aria-hidden", "true");
    host.style.cssText = "position:fixed;left:0;top:0;z-index:2147483647;pointer-events:none;opacity:0;transition:transform 60ms linear;";
    const root = host.attachShadow({ mode: "open" });
    root.innerHTML = `<style>span{font:600 11px system-ui,sans-serif;color:#fff;background:#e5484d;border-radius:4px;padding:1px 5px;margin-left:14px;white-space:nowrap}</style>${ARROW}<br><span>Agent</span>`;
    (document.body || document.documentElement).append(host);
    this.host = host;
  }

  remove() {
    if (this.host) this.host.remove();
    this.host = null;
  }
}
