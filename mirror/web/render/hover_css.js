// The customer's hover, shown in the rebuilt page. rrweb's player gives each rule whose selector
// has :hover a twin with the class .\:hover instead, which it puts on the elements under the
// customer's pointer, and reads min/max-device-width media as min/max-width. Its way, postcss
// parsing the whole sheet and a pass quadratic in its rules, made a large sheet cost the render
// page more than the rest of the join (docs/benchmark.md, "Join cost"); this is one pass over the
// text, with the same result for what a sheet holds (scripts/rrweb_hooks.mjs puts it in place).

const DEVICE_MEDIA = /(max|min)-device-(width|height)/g;
const HOVER = /:hover/g;
const AT_RULE = /^\s*@/;
const LEADING_COMMENTS = /^(?:\s*\/\*[\s\S]*?\*\/)*\s*/;

/** The index of the quote that closes the string opening at `at`. */
function stringEnd(css, at) {
  const quote = css[at];
  let i = at + 1;
  while (i < css.length && css[i] !== quote) i += css[i] === "\\" ? 2 : 1;
  return i;
}

/** The indices of the `stops` characters in `text` outside comments, strings, brackets and
 * parentheses. */
function* topLevel(text, stops) {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '"' || c === "'") i = stringEnd(text, i);
    else if (c === "\\") i += 1;
    else if (c === "(" || c === "[") depth += 1;
    else if ((c === ")" || c === "]") && depth) depth -= 1;
    else if (depth === 0 && stops.includes(c)) yield i;
  }
}

/** `text` cut at each top-level comma. */
function selectors(text) {
  const parts = [];
  let start = 0;
  for (const at of topLevel(text, ",")) {
    parts.push(text.slice(start, at));
    start = at + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** What comes before a `{`: an at-rule's prelude, or a selector list given its hover twins. */
function prelude(segment) {
  if (AT_RULE.test(segment)) return segment.replace(DEVICE_MEDIA, "$1-$2");
  const lead = LEADING_COMMENTS.exec(segment)[0]; // Between two rules: rrweb's split marks.
  const list = segment.slice(lead.length).trimEnd();
  // A comment inside a list could hold a comma or a brace: such a rare list keeps no twin.
  if (!list.includes(":hover") || list.includes("/*")) return segment;
  const twins = selectors(list).filter((selector) => selector.includes(":hover"))
    .map((selector) => selector.trim().replace(HOVER, ".\\:hover"));
  return `${lead}${list},${twins.join(",")}${segment.slice(lead.length + list.length)}`;
}

/** `css` as rrweb's player adapts it for replay: hover twins, device media read as the page's. */
export function adaptCss(css) {
  let out = "";
  let start = 0; // Where the current prelude or declaration began.
  for (const at of topLevel(css, "{};")) {
    const segment = css.slice(start, at);
    out += (css[at] === "{" || AT_RULE.test(segment) ? prelude(segment) : segment) + css[at];
    start = at + 1;
  }
  return out + css.slice(start);
}
