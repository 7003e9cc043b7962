// The agent's page: sign in with an agent key, join a session by its nine digits (or with a join
// token in the address, or watch one with a colleague's invitation: ?invite=), and the chat desk. The view itself is <cobrowse-view> (view.js, loaded
// as /agent-view.js), the same element a contact centre's desktop embeds.
import { ChatDesk } from "./desk.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

customElements.whenDefined("cobrowse-view").then(() => {
  const view = document.querySelector("cobrowse-view");
  if (params.get("interaction")) view.setAttribute("interaction", params.get("interaction"));
  // The join form is for a page without a session.
  view.addEventListener("state", (e) => {
    $("join-form").hidden = !$("sign-in").hidden || (e.detail.state !== "off" && e.detail.state !== "ended");
  });

  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = $("session-id").value.replace(/\D/g, "");
    if (id.length !== 9) return view.notify("A session ID is nine digits.", { lasting: true });
    view.joinSession(id);
  });

  if (params.get("invite") && !document.body.dataset.needsKey) {
    // A colleague's invitation to watch a session (view only). Spent once used.
    history.replaceState(null, "", location.pathname);
    view.join(params.get("invite"));
    new ChatDesk((id, interaction) => view.joinSession(id, { interaction })).connect();
  } else if (params.get("join_token")) {
    // A contact centre's desktop put a join token from POST /api/joins in this page's address
    // (in its own frame): no digits, no agent cookie. Spent once used: not kept in the address.
    history.replaceState(null, "", location.pathname);
    view.join(params.get("join_token"));
  } else if (document.body.dataset.needsKey) {
    // With agent keys configured, the server marks the page until the agent has signed in.
    $("join-form").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in").addEventListener("submit", (e) => signIn(e, view));
  } else {
    new ChatDesk((id, interaction) => view.joinSession(id, { interaction })).connect();
  }
});

async function signIn(event, view) {
  event.preventDefault();
  const response = await fetch("/api/agent/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ key: $("agent-key").value }),
  });
  if (response.ok) location.reload();
  else if (response.status === 401) view.notify("That agent key is not valid.", { lasting: true });
  else view.notify(await response.json().then((e) => e.detail, () => `Sign-in failed (${response.status}).`), { lasting: true });
}
