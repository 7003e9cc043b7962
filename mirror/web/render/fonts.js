// The customer's named fonts in the rebuilt page, as the server chose them (mirror/render/fonts.py):
// each font the page names that the server lacks, or has in another shape ("-apple-system",
// "Segoe UI" on a Mac or Windows), is given faces of the closest local font under the page's own
// name (FontFace with local() sources, in each rebuilt document). "system-ui" cannot be a face's
// name, so where it is mapped, it is renamed in the page's style rules and style attributes.
// "system-ui" as one item of a font-family list (a quoted "system-ui" is a font's name).
const SYSTEM_UI = /(^|,)(\s*)system-ui(\s*)(?=,|$)/gi;
const MAX_FACES = 400;

function renamed(value, face) {
  return value.replace(SYSTEM_UI, `$1$2"${face}"$3`);
}

/** The font faces of the server's choice, valid ones only: [[family, source, weight, style]]. */
function facesOf(choice) {
  const faces = [];
  const families = choice && typeof choice.families === "object" ? choice.families : {};
  for (const [family, sources] of Object.entries(families || {})) {
    if (!Array.isArray(sources)) continue;
    for (const face of sources) {
      if (!Array.isArray(face) || typeof face[0] !== "string" || !Number.isInteger(face[1])) continue;
      faces.push([family, face[0], face[1], face[2] === "italic" ? "italic" : "normal"]);
    }
  }
  return faces.slice(0, MAX_FACES);
}

export class FontAliases {
  constructor() {
    this.faces = [];
    this.systemUi = null; // The face the server named for system-ui, where it is mapped.
    this.added = new WeakMap(); // document -> [the faces it was given, its FontFace objects]
    this.ruleCounts = new WeakMap(); // style sheet -> its rules when last renamed
  }

  /** The server's choice: {families: {name: [[local source, weight, style], ...]}, system_ui:
   * the name of the face among them to rename system-ui to, or null}. */
  set(choice) {
    this.faces = facesOf(choice);
    const face = choice && choice.system_ui;
    this.systemUi = typeof face === "string" && /^[\w-]+$/.test(face) ? face : null;
  }

  /** Gives the rebuilt document `doc` and its frames the faces, and renames system-ui where it
   * is mapped (`roots`: its shadow roots and frames' documents, dom.js rootsDeep); called after
   * each rebuild and each batch of changes, cheap when done. */
  apply(doc, roots) {
    for (const found of [doc, ...roots]) {
      if (found.nodeType === Node.DOCUMENT_NODE) this.addFaces(found);
      if (this.systemUi) this.rename(found);
    }
  }

  addFaces(doc) {
    const [given, objects] = this.added.get(doc) || [[], []];
    if (given === this.faces || !doc.fonts) return;
    for (const face of objects) doc.fonts.delete(face);
    const FontFace = doc.defaultView.FontFace;
    const made = this.faces.map(([family, source, weight, style]) => {
      const face = new FontFace(family, `local("${source.replace(/["\\]/g, "")}")`, { weight: String(weight), style });
      doc.fonts.add(face);
      face.load().catch(() => {}); // A face the server lacks: the next one in the page's list shows.
      return face;
    });
    this.added.set(doc, [this.faces, made]);
  }

  rename(root) {
    const sheets = [...(root.styleSheets || []), ...(root.adoptedStyleSheets || [])];
    for (const sheet of sheets) {
      try {
        if (this.ruleCounts.get(sheet) === sheet.cssRules.length) continue;
        renameRules(sheet.cssRules, this.systemUi);
        this.ruleCounts.set(sheet, sheet.cssRules.length);
      } catch {
        // A sheet of another origin (the capture inlines them) or mid-rebuild: the next batch.
      }
    }
    for (const element of root.querySelectorAll('[style*="system-ui" i]')) renameStyle(element.style, this.systemUi);
  }
}

function renameRules(rules, face) {
  for (const rule of rules) {
    if (rule.style) renameStyle(rule.style, face);
    if (rule.cssRules) renameRules(rule.cssRules, face);
  }
}

function renameStyle(style, face) {
  const value = style.getPropertyValue("font-family");
  if (!value) return;
  const changed = renamed(value, face);
  if (changed !== value) style.setProperty("font-family", changed, style.getPropertyPriority("font-family"));
}
