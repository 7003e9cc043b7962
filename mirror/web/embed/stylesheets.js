// Stylesheet text that survives the trip. rrweb serialises CSS rules with `rule.cssText`, and
// Chromium serialises a shorthand written with var() (`border: 1px solid var(--line)`, common in
// design systems) as its longhands with empty values ("border-top-color: ;"), so the render page would
// lose the whole declaration. Rules that show the defect are written out again: from the
// shorthand's value where CSSOM still gives it; otherwise (a longhand of the same rule overrode
// part of the shorthand, and the text is gone) each lost longhand takes its resolved value on an
// element the rule matches, which is what the customer sees there.
import { record } from "@rrweb/record";

// Empty longhand values, as Chromium writes pending var() substitutions in cssText.
const BROKEN = /[\w-]+: ;/;
const SHORTHANDS = [
  "all", "animation", "background", "background-position", "border", "border-block", "border-block-end",
  "border-block-start", "border-bottom", "border-color", "border-image", "border-inline", "border-inline-end",
  "border-inline-start", "border-left", "border-radius", "border-right", "border-style", "border-top",
  "border-width", "column-rule", "columns", "container", "flex", "flex-flow", "font", "gap", "grid",
  "grid-area", "grid-column", "grid-row", "grid-template", "inset", "inset-block", "inset-inline",
  "list-style", "margin", "margin-block", "margin-inline", "mask", "offset", "outline", "overflow",
  "padding", "padding-block", "padding-inline", "place-content", "place-items", "place-self",
  "scroll-margin", "scroll-padding", "text-decoration", "text-emphasis", "transition",
];
const URL_IN_CSS = /url\(\s*(['"]?)([^'")]*)\1\s*\)/g;

/** True when serialised CSS text has lost declarations to the defect above. */
export function isBroken(text) {
  // The plain search first: the pattern alone took 18 ms over a sheet of 2 MB.
  return typeof text === "string" && text.includes(": ;") && BROKEN.test(text);
}

/** The first element `rule` applies to under `root` (a document or shadow root), or null. */
function matchedElement(rule, root) {
  if (!root || typeof rule.selectorText !== "string") return null;
  try {
    if (root.host && rule.selectorText.trim().startsWith(":host")) return root.host;
    return root.querySelector(rule.selectorText);
  } catch {
    return null;
  }
}

function declarations(style, resolved) {
  const out = [];
  const seen = new Set();
  // Shorthands first: a longhand that was written after its shorthand has its own value and
  // comes later, so it still wins, as in the original.
  for (const name of SHORTHANDS) {
    const value = style.getPropertyValue(name);
    if (value && value.includes("var(")) {
      const important = style.getPropertyPriority(name) ? " !important" : "";
      out.push(`${name}: ${value}${important};`);
      seen.add(name);
    }
  }
  for (let i = 0; i < style.length; i++) {
    const name = style[i];
    if (seen.has(name)) continue;
    let value = style.getPropertyValue(name);
    if (!value && !SHORTHANDS.some((shorthand) => seen.has(shorthand) && name.startsWith(shorthand))) {
      value = resolved ? resolved.getPropertyValue(name) : "";
    }
    if (!value) continue;
    out.push(`${name}: ${value}${style.getPropertyPriority(name) ? " !important" : ""};`);
  }
  return out.join(" ");
}

function ruleText(rule, root) {
  const text = rule.cssText;
  if (!BROKEN.test(text)) return text;
  const children = rule.cssRules ? Array.from(rule.cssRules, (child) => ruleText(child, root)).join(" ") : "";
  if (rule.style && typeof rule.selectorText === "string") {
    const element = matchedElement(rule, root);
    const resolved = element ? element.ownerDocument.defaultView.getComputedStyle(element) : null;
    return `${rule.selectorText} { ${declarations(rule.style, resolved)}${children ? ` ${children}` : ""} }`;
  }
  if (rule.style) return `${text.slice(0, text.indexOf("{"))}{ ${declarations(rule.style, null)} }`; // @font-face, @page, keyframes
  if (rule.cssRules) return `${text.slice(0, text.indexOf("{"))}{ ${children} }`; // @media, @supports, @layer
  return text;
}

/** `text` with relative url()s resolved against `base` (as rrweb does for inlined sheets). */
export function absoluteUrls(text, base) {
  if (!base) return text;
  return text.replace(URL_IN_CSS, (whole, quote, path) => {
    if (!path || /^(data:|blob:|#)/i.test(path)) return whole;
    try {
      return `url(${quote}${new URL(path, base).href}${quote})`;
    } catch {
      return whole;
    }
  });
}

/** The text of a rule, repaired; `base` resolves relative url()s (as rrweb does); `root` is
 * the document or shadow root the rule applies in. */
export function repairedRule(rule, base, root) {
  if (rule.styleSheet && rule.type === 3 /* @import */) {
    const inner = repairedSheet(rule.styleSheet, root);
    return inner === null ? rule.cssText : inner;
  }
  return absoluteUrls(ruleText(rule, root), base);
}

/** The whole text of a stylesheet, repaired; null when its rules cannot be read. */
export function repairedSheet(sheet, root) {
  try {
    const base = sheet.href || (sheet.ownerNode && sheet.ownerNode.baseURI) || null;
    const text = Array.from(sheet.cssRules, (rule) => repairedRule(rule, base, root)).join("");
    // As rrweb: Chromium writes -webkit-background-clip as background-clip, which it then ignores.
    return text.includes(" background-clip: text;") && !text.includes(" -webkit-background-clip: text;")
      ? text.replace(/\sbackground-clip:\s*text;/g, " -webkit-background-clip: text; background-clip: text;")
      : text;
  } catch {
    return null; // Cross-origin sheet: rrweb's own text stands.
  }
}

/** A <style> or <link> (an rrweb node) whose serialised text lost declarations, written out again. */
export function repairStyleText(node) {
  const element = record.mirror.getNode(node.id);
  if (!element || !element.sheet) return;
  // A <style> written as text keeps its source there, exact; a <link>'s or a script-filled
  // <style>'s rules are written out again.
  const source = element.tagName === "STYLE" ? element.textContent : "";
  const repaired = source && source.trim() ? absoluteUrls(source, element.baseURI)
    : repairedSheet(element.sheet, element.getRootNode());
  if (repaired) node.attributes._cssText = repaired;
}

/** An adopted style sheets event whose rules lost declarations, written out again. In place. */
export function repairAdopted(data) {
  const styles = (data.styles || []).filter((style) => style.rules.some((r) => isBroken(r.rule)));
  if (!styles.length) return;
  const host = record.mirror.getNode(data.id);
  const root = host && (host.nodeType === 9 ? host : host.shadowRoot);
  const sheets = root && root.adoptedStyleSheets;
  if (!sheets) return;
  for (const style of styles) {
    const sheet = sheets[data.styleIds.indexOf(style.styleId)];
    if (!sheet) continue;
    for (const entry of style.rules) {
      const rule = sheet.cssRules[entry.index];
      if (rule && isBroken(entry.rule)) entry.rule = repairedRule(rule, sheet.href, root);
    }
  }
}
