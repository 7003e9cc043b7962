// A large style sheet's text, read a part at a time. rrweb reads a sheet's rules all at once when
// it serialises its <style> or <link>: a sheet of 20,000 rules was a task of 140 ms at a join.
// The snapshot's walk (slices.js) reads such a sheet a few hundred rules a step beforehand, with
// rrweb's own rule reader, and rrweb then takes that text (scripts/rrweb_hooks.mjs).
import { fixBrowserCompatibilityIssuesInCSS, preparedSheets, stringifyRule } from "@rrweb/record";

const LARGE_SHEET_RULES = 1000; // From this many rules a sheet is read in parts...
const RULES_A_STEP = 40; // ...this many a step (the walk looks at its clock every 16 steps).

function sheetOf(element) {
  const tag = element.tagName;
  return tag === "STYLE" || tag === "LINK" ? element.sheet : null;
}

/** The reading of one sheet at a time, for the walk of one document. */
export class SheetReader {
  constructor() {
    this.job = null; // {sheet, rules, count, at, parts, href}
  }

  /** Whether `element`'s sheet is still being read: one more part read now. False once its text
   * is ready, or for an element with no large sheet (rrweb reads it as it does). */
  reading(element) {
    const sheet = sheetOf(element);
    if (!sheet || preparedSheets.has(sheet)) return false;
    const job = this.job && this.job.sheet === sheet ? this.job : this.begin(sheet);
    if (!job) return false;
    if (job.rules.length !== job.count) {
      this.job = null; // The page changed the sheet meanwhile: rrweb reads it whole.
      return false;
    }
    const end = Math.min(job.at + RULES_A_STEP, job.count);
    for (; job.at < end; job.at++) job.parts.push(stringifyRule(job.rules[job.at], job.href));
    if (job.at < job.count) return true;
    preparedSheets.set(sheet, fixBrowserCompatibilityIssuesInCSS(job.parts.join("")));
    this.job = null;
    return false;
  }

  begin(sheet) {
    let rules = null;
    try {
      rules = sheet.cssRules;
    } catch {
      return null; // Another origin's sheet: rrweb cannot read it either.
    }
    if (!rules || rules.length < LARGE_SHEET_RULES) return null;
    const href = sheet.href || (sheet.ownerNode && sheet.ownerNode.baseURI) || null;
    this.job = { sheet, rules, count: rules.length, at: 0, parts: [], href };
    return this.job;
  }

  /** The text of `element`'s sheet was used (or not): a later snapshot reads the sheet afresh. */
  done(element) {
    const sheet = sheetOf(element);
    if (sheet) preparedSheets.delete(sheet);
  }
}
