// The view's colleagues panel: the agent invites a colleague or supervisor to watch (view only)
// by the name the customer will be told, gets a one-time link to pass on, sees who is watching,
// and can hand the session over to one of them. A watcher's view shows none of it.
import { msg } from "../messages.js";

export const COLLEAGUES_HTML = `
<section class="crew" part="colleagues" id="crew" aria-label="Colleagues" hidden>
  <button type="button" id="invite-open" aria-expanded="false" aria-controls="invite-form">Invite a colleague</button>
  <form id="invite-form" hidden>
    <label for="invite-name">Colleague's name</label>
    <input id="invite-name" maxlength="60" autocomplete="off" required placeholder="shown to the customer">
    <button type="submit">Create invite link</button>
  </form>
  <div id="invite-result" hidden>
    <label for="invite-link">Invite link</label>
    <input id="invite-link" readonly>
    <button type="button" id="invite-copy">Copy link</button>
    <span id="invite-note" class="quiet" aria-live="polite"></span>
  </div>
  <ul id="watchers" aria-label="Watching"></ul>
</section>`;

const STATE = { true: "watching", false: "invited" };

export class ColleaguesPanel {
  /** @param {(id: string) => HTMLElement} $ the view's elements by ID
   *  @param {(message: object) => void} send to the server, when connected
   *  @param {() => string} server the co-browse server's address, for the link
   *  @param {(text: string) => void} notify says a change in the view's alert */
  constructor($, send, server, notify) {
    this.$ = $;
    this.send = send;
    this.server = server;
    this.notify = notify;
    this.watching = new Set(); // Seats whose colleague is watching, as last listed.
    $("invite-open").addEventListener("click", () => this.openForm($("invite-form").hidden));
    $("invite-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const name = $("invite-name").value.trim();
      if (name) this.send(msg.invite(name));
    });
    $("invite-copy").addEventListener("click", () => this.copy());
  }

  /** Shown to the agent of an active session; never to a watcher. */
  shown(on) {
    this.$("crew").hidden = !on;
    if (!on) {
      this.openForm(false);
      this.$("invite-result").hidden = true;
      this.$("watchers").replaceChildren();
      this.watching.clear();
    }
  }

  openForm(open) {
    this.$("invite-form").hidden = !open;
    this.$("invite-open").setAttribute("aria-expanded", String(open));
    if (open) this.$("invite-name").focus();
  }

  /** The server's `invited`: the link that lets the colleague watch, once. */
  invited({ name, token, expires_in: seconds }) {
    const link = new URL("/agent", this.server());
    link.searchParams.set("invite", token);
    this.$("invite-link").value = link.href;
    this.$("invite-note").textContent = `For ${name}: works once, within ${Math.round(seconds / 60)} minutes.`;
    this.$("invite-result").hidden = false;
    this.$("invite-name").value = "";
    this.openForm(false);
    this.$("invite-link").select();
  }

  async copy() {
    const field = this.$("invite-link");
    try {
      await navigator.clipboard.writeText(field.value);
      this.$("invite-note").textContent = "Link copied.";
    } catch {
      field.select(); // No clipboard here (an insecure page, say): selected for Ctrl+C.
      this.$("invite-note").textContent = "Press Ctrl+C to copy the selected link.";
    }
  }

  /** The view's socket is away: no hand-over until the server lists the colleagues again. */
  stale() {
    this.$("watchers").replaceChildren();
  }

  /** The server's `colleagues`: who was invited, who is watching, and a hand-over for each. */
  list({ watchers }) {
    const now = new Set(watchers.filter((w) => w.watching).map((w) => w.seat));
    const came = watchers.filter((w) => w.watching && !this.watching.has(w.seat));
    if (came.length) this.notify(`${came.map((w) => w.name).join(", ")} is watching.`);
    this.watching = now;
    this.$("watchers").replaceChildren(...watchers.map((w) => {
      const item = document.createElement("li");
      item.append(`${w.name}: ${STATE[w.watching]}`);
      if (w.watching) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `Hand over to ${w.name}`;
        button.addEventListener("click", () => this.send(msg.handOver(w.seat)));
        item.append(" ", button);
      }
      return item;
    }));
  }
}
