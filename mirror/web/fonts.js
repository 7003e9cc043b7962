// The fonts a browser gives a page, measured the same way on the customer's page and in the render
// page: the width of a few lines of text and the height of their box, at the browser's own
// default size. WebKit's default font is a sans-serif, Chromium's a serif, and a page that names
// "-apple-system" or "Segoe UI" gets them on a Mac or Windows and not on the server; a mirror
// that kept its own would wrap every line of such a page (mirror/render/fonts.py). Plain
// functions of the DOM: the benchmark runs this file's text in both engines as well.

// A sentence, then narrow and wide letters: fonts of one width differ in these.
export const SAMPLES = ["The quick brown fox jumps over the lazy dog, 0123456789.", "iiiiilllll1111fffff", "WWWWWMMMMMmmmmmwwww"];
// "initial": the browser's standard font (a page that names no family).
export const GENERIC_FAMILIES = ["initial", "serif", "sans-serif", "monospace", "system-ui"];
// Two fallbacks of different widths: a font the browser has measures the same behind either.
export const FALLBACKS = ["serif", "monospace"];
// The elements whose fonts are read, a few of each tag: the page's font stacks, not every element.
const SAMPLED_TAGS = [
  "body", "h1", "h2", "h3", "h4", "p", "a", "li", "span", "div", "button", "input", "select",
  "textarea", "label", "th", "td", "code", "pre", "small", "strong", "nav", "header", "footer",
];
const PER_TAG = 6;
const WALKED = 3000; // The page's first elements, in document order, that are looked at.
const MAX_NAMES = 24;
const GENERIC = new Set([
  "serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "ui-serif", "ui-sans-serif",
  "ui-monospace", "ui-rounded", "math", "emoji", "fangsong", "inherit", "initial", "unset",
  "-webkit-standard", "-webkit-body", "-webkit-pictograph", // WebKit's names of its defaults
]);

/** {family: [size in px, box height, width of each sample]}, measured in a shadow root of its own
 * where the page's style sheets do not reach, all laid out at once, and removed at once. */
export function fontMetrics(families) {
  const host = document.createElement("div");
  host.style.cssText = "position: absolute; left: -10000px; top: 0";
  (document.body || document.documentElement).append(host);
  const root = host.attachShadow({ mode: "open" });
  try {
    const spans = families.map((family) => SAMPLES.map((sample) => {
      const span = document.createElement("span");
      // Each font property by name too: WebKit's "all: initial" leaves the family inherited.
      span.style.cssText = "all: initial; white-space: pre; font: initial";
      span.style.fontFamily = family;
      span.textContent = sample;
      root.append(span);
      return span;
    }));
    const metrics = {};
    families.forEach((family, i) => {
      const boxes = spans[i].map((span) => span.getBoundingClientRect());
      const size = parseFloat(getComputedStyle(spans[i][0]).fontSize);
      metrics[family] = [size, boxes[0].height, ...boxes.map((box) => box.width)];
    });
    return metrics;
  } finally {
    host.remove();
  }
}

/** The names in a CSS font-family value, unquoted, in order. */
export function familyNames(value) {
  const names = [];
  for (const match of String(value).matchAll(/\s*(?:"([^"]*)"|'([^']*)'|([^,]+))\s*(?:,|$)/g)) {
    const name = (match[1] ?? match[2] ?? match[3] ?? "").trim();
    if (name) names.push(name);
  }
  return names;
}

/** The named (not generic) families the page's text asks for, read from a few elements of each
 * common tag among the page's first elements (a walk of the whole of a large page would take
 * longer than a task should); fonts the page itself provides (web fonts) left out: the mirror
 * loads those too. */
export function pageFontNames(doc = document) {
  const provided = new Set();
  if (doc.fonts) for (const face of doc.fonts) provided.add(familyNames(face.family)[0]);
  const names = new Set();
  const seen = new Map(SAMPLED_TAGS.map((tag) => [tag.toUpperCase(), 0]));
  const walker = doc.createTreeWalker(doc.documentElement, NodeFilter.SHOW_ELEMENT);
  for (let element = walker.currentNode, n = 0; element && n < WALKED; element = walker.nextNode(), n += 1) {
    const count = seen.get(element.tagName);
    if (count === undefined || count >= PER_TAG) continue;
    seen.set(element.tagName, count + 1);
    for (const name of familyNames(doc.defaultView.getComputedStyle(element).fontFamily)) {
      if (GENERIC.has(name.toLowerCase()) || provided.has(name)) continue;
      names.add(name);
      if (names.size >= MAX_NAMES) return [...names];
    }
  }
  return [...names];
}

/** Each name's figures where this browser has the font (it measures the same behind both
 * fallbacks), null where it does not. */
export function namedFontMetrics(names) {
  const quoted = (name, fallback) => `"${name.replace(/["\\]/g, "")}", ${fallback}`;
  const measured = fontMetrics(names.flatMap((name) => FALLBACKS.map((f) => quoted(name, f))));
  const found = {};
  for (const name of names) {
    const [one, two] = FALLBACKS.map((f) => measured[quoted(name, f)]);
    found[name] = one.every((figure, i) => figure === two[i]) ? one : null;
  }
  return found;
}

/** The customer's operating system as the browser names it ("macOS", "Win32", "iPhone"):
 * the system whose fonts the page gets. */
export function platform() {
  const data = navigator.userAgentData;
  return String((data && data.platform) || navigator.platform || "").slice(0, 40);
}
