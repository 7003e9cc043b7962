// When the script's own work runs. Never inside the page's animation frames: Chrome's long-task
// timing counts a frame that runs any requestAnimationFrame callback, so one of ours there would
// make the page's own rendering of a large change read as a long task of the script's.

/** The next task, ahead of the page's own timers where the browser allows. */
export function nextTask() {
  if (globalThis.scheduler && typeof globalThis.scheduler.yield === "function") return globalThis.scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** `callback` once the page is idle (after its next frame, as a rule), at most `timeoutMs` on
 * if given; in the next task where the browser cannot tell (Safari). */
export function whenIdle(callback, timeoutMs = undefined) {
  if (typeof window.requestIdleCallback !== "function") setTimeout(callback, 0);
  else window.requestIdleCallback(callback, timeoutMs === undefined ? {} : { timeout: timeoutMs });
}
