// Whether the agent can see the view: the tab is shown (not hidden behind another tab, not a
// minimised window) and some of the view is on screen. The server captures no frame while not.

/** Calls onChange(seen) each time that changes; seen() says it now. */
export function watchSight(view, onChange) {
  let onScreen = true; // Until the observer's first answer, which comes at once.
  let last = true;
  const seen = () => document.visibilityState !== "hidden" && onScreen;
  const update = () => {
    const now = seen();
    if (now !== last) {
      last = now;
      onChange(now);
    }
  };
  document.addEventListener("visibilitychange", update);
  if (typeof IntersectionObserver === "function") {
    new IntersectionObserver((entries) => {
      const entry = entries[entries.length - 1];
      // A view with no picture yet has no place on the screen: it counts as seen, so that its
      // first frame is captured and gives it one.
      const empty = !entry.boundingClientRect.width || !entry.boundingClientRect.height;
      onScreen = entry.isIntersecting || empty;
      update();
    }).observe(view);
  }
  return seen;
}
