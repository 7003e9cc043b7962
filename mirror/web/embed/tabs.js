// The customer's tabs: one session across the tabs of the site in one browser. The session is
// kept for the tab (sessionStorage: its next pages resume it) and for the site (localStorage: a
// tab the customer opens or turns to follows it). The tab the customer looks at holds it.
const TAB_KEY = "cobrowse.tab";
const SHARED_KEY = "cobrowse.shared";

function random() {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
}

/** This tab's own name, the same on each of its pages (the server tells tab switches by it). */
export function tabId() {
  try {
    let id = sessionStorage.getItem(TAB_KEY);
    if (!id) sessionStorage.setItem(TAB_KEY, (id = random()));
    return id;
  } catch {
    return null; // Storage disabled: every page is a tab of its own.
  }
}

/** The session a tab of the site holds ({id, token}), or null. */
export function sharedSession() {
  try {
    const value = JSON.parse(localStorage.getItem(SHARED_KEY) || "null");
    return value && value.id && value.token ? value : null;
  } catch {
    return null;
  }
}

export function share(value) {
  try {
    localStorage.setItem(SHARED_KEY, JSON.stringify(value));
  } catch { /* Storage disabled: other tabs cannot follow. */ }
}

/** Forget the shared session `id` (it ended), unless another one replaced it meanwhile. */
export function unshare(id) {
  try {
    const value = sharedSession();
    if (!value || !id || value.id === id) localStorage.removeItem(SHARED_KEY);
  } catch { /* storage may be disabled */ }
}

/** Whether the customer is looking at this tab now. */
export function lookedAt() {
  return document.visibilityState === "visible" && document.hasFocus();
}

/**
 * `look()` when the customer turns to this tab (it gains focus, comes in front, or comes back
 * from the back-forward cache); `sight(visible)` when it goes out of sight or back.
 */
export function watchTab(look, sight) {
  window.addEventListener("focus", () => look());
  window.addEventListener("pageshow", (event) => event.persisted && look());
  document.addEventListener("visibilitychange", () => {
    const visible = document.visibilityState === "visible";
    sight(visible);
    if (visible) look();
  });
}
