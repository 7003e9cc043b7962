// When a frame reaches the screen. The server reads the render page's window as the X server
// has it (mirror/render/window_frames.py), and the display compositor draws a frame there some
// milliseconds after the animation frame that made it: a read on the next animation frame can
// come first, and miss what the last changes painted.

// A frame not reported by then (a Chromium that stopped reporting such marks, or one far behind)
// calls back anyway, saying so.
const REPORT_WAIT_MS = 500;
let marks = 0;

/**
 * Call `then(reported)` once the frame being made now is on the screen. Chromium reports a newly
 * painted text that has an `elementtiming` name with the time its frame was presented, and only
 * once that is known: a mark added now is painted in this frame, clipped to nothing (never seen,
 * never hit), and removed once reported. `reported` is false when the wait ran out instead.
 */
export function whenPresented(then) {
  const name = `cobrowse-presented-${++marks}`;
  const mark = document.createElement("span");
  mark.setAttribute("elementtiming", name);
  mark.textContent = ".";
  mark.style.cssText = "position:fixed;left:0;top:0;clip-path:inset(50%);pointer-events:none";
  let timer = 0;
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some((entry) => entry.identifier === name)) done(true);
  });
  const done = (reported) => {
    observer.disconnect();
    clearTimeout(timer);
    mark.remove();
    then(reported);
  };
  observer.observe({ type: "element" });
  timer = setTimeout(() => done(false), REPORT_WAIT_MS);
  document.body.append(mark);
}
