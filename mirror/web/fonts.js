// The fonts a browser gives a page that names no font family or only a generic one, measured the
// same way on the customer's page and in the render page: the width of a few lines of text and
// the height of their box, at the browser's own default size. WebKit's default font is a
// sans-serif, Chromium's a serif; a mirror that kept its own would wrap every line of such a page
// otherwise (mirror/render/fonts.py). Plain functions of the DOM: the benchmark runs this file's
// text in both engines as well.

// A sentence, then narrow and wide letters: fonts of one width differ in these.
export const SAMPLES = ["The quick brown fox jumps over the lazy dog, 0123456789.", "iiiiilllll1111fffff", "WWWWWMMMMMmmmmmwwww"];
// "initial": the browser's standard font (a page that names no family).
export const GENERIC_FAMILIES = ["initial", "serif", "sans-serif", "monospace", "system-ui"];

/** {family: [size in px, box height, width of each sample]}, measured in a shadow root of its own
 * where the page's style sheets do not reach, and removed at once. */
export function fontMetrics(families) {
  const host = document.createElement("div");
  host.style.cssText = "position: absolute; left: -10000px; top: 0";
  (document.body || document.documentElement).append(host);
  const root = host.attachShadow({ mode: "open" });
  const metrics = {};
  try {
    for (const family of families) {
      const figures = [];
      for (const sample of SAMPLES) {
        const span = document.createElement("span");
        // Each font property by name too: WebKit's "all: initial" leaves the family inherited.
        span.style.cssText = "all: initial; white-space: pre; font: initial";
        span.style.fontFamily = family;
        span.textContent = sample;
        root.append(span);
        const box = span.getBoundingClientRect();
        if (!figures.length) figures.push(parseFloat(getComputedStyle(span).fontSize), box.height);
        figures.push(box.width);
      }
      metrics[family] = figures;
    }
  } finally {
    host.remove();
  }
  return metrics;
}
