// The snapshot in slices (mirror/web/embed/slices.js) needs things rrweb keeps inside its
// modules. In @rrweb/record: a say in how its snapshot serialises the document, the serialiser
// itself (one id counter and one mirror for every node), a time budget for serialising the nodes
// a change of the page added (a view of a single-page site built at once, thousands of nodes, was
// one long task: what is left over goes in the next task), and a large style sheet's text read
// beforehand, a part at a time (all of it at once was a long task). In @rrweb/replay: an added
// node built with what it holds (its recorder only ever adds nodes without, so it builds them
// alone), as its full-snapshot rebuild does, and a say in how it adapts a sheet for replay
// (render/hover_css.js). This esbuild plugin makes those changes at build time, and stops the
// build if a module no longer reads as expected: a new rrweb version is checked here, not found
// out in a customer's page.
import { readFile } from "node:fs/promises";

const RECORD_CHANGES = [
  {
    // stringifyStylesheet: a large sheet's text read beforehand, a part at a time (slices.js).
    find: "function stringifyStylesheet(s) {\n  try {",
    replace: "function stringifyStylesheet(s) {\n  const prepared = preparedSheets.get(s);\n"
      + "  if (prepared !== void 0) return prepared;\n  try {",
  },
  {
    // MutationBuffer.processMutations: a large change emitted later (see setMutationSlices).
    find: "      mutations.forEach(this.processMutation);\n      this.emit();",
    replace: "      mutations.forEach(this.processMutation);\n"
      + "      if (mutationSlices && this.addedSet.size > mutationSlices.large) mutationSlices.later(this, true);\n"
      + "      else this.emit();",
  },
  {
    // The one call in rrweb's snapshot(): the whole document serialised at once.
    find: "  return serializeNodeWithId(n, {\n    doc: n,",
    replace: "  return (snapshotHook || serializeNodeWithId)(n, {\n    doc: n,",
  },
  {
    // MutationBuffer.emit: the time its adds began.
    find: "      if (this.frozen || this.locked) {\n        return;\n      }\n      const adds = [];",
    replace: "      if (this.frozen || this.locked) {\n        return;\n      }\n      const adds = [];\n"
      + "      const slicedFrom = performance.now();\n      let leftOver = false;",
  },
  {
    // Its loop over the added nodes, each taken with its parent and next sibling sent before it:
    // stopping between two leaves what is sent whole, and what is left to the next emit.
    find: "      while (this.addedSet.size) {\n        if (n !== null && this.addedSet.has(index.previousSibling(n))) {",
    replace: "      while (this.addedSet.size) {\n"
      + "        if (mutationSlices && adds.length && performance.now() - slicedFrom > mutationSlices.ms) {\n"
      + "          leftOver = true;\n          break;\n        }\n"
      + "        if (n !== null && this.addedSet.has(index.previousSibling(n))) {",
  },
  {
    find: "      this.addedSet = /* @__PURE__ */ new Set();\n      this.movedSet",
    replace: "      if (!leftOver) this.addedSet = /* @__PURE__ */ new Set();\n      this.movedSet",
  },
  {
    find: "      this.mutationCb(payload);\n    });",
    replace: "      this.mutationCb(payload);\n      if (leftOver) mutationSlices.later(this);\n    });",
  },
  {
    // A full snapshot holds the nodes left over: they are not added again after it.
    find: "  lock() {\n    this.locked = true;\n    this.canvasManager.lock();",
    replace: "  lock() {\n    this.locked = true;\n    this.canvasManager.lock();\n    this.addedSet = /* @__PURE__ */ new Set();",
  },
];

const PATCHES = [
  {
    module: /@rrweb[\\/]record[\\/]dist[\\/]record\.js$/,
    changes: RECORD_CHANGES,
    append: `
let snapshotHook = null;
/** (document, options) => serialised document; null puts rrweb's own serialisation back. */
function setSnapshotHook(hook) {
  snapshotHook = hook;
}
let mutationSlices = null;
/** { ms, large, later }: a change's added nodes serialised for at most ms a task, later(buffer)
 * to call buffer.emit() again in another task for the rest, later(buffer, true) for a change
 * adding more than large nodes, not serialised at all in the task that made it; null: all at
 * once, as rrweb does. */
function setMutationSlices(slices) {
  mutationSlices = slices;
}
/** Sheet -> its text as rrweb's stringifyStylesheet makes it, read beforehand: used in its place. */
const preparedSheets = new WeakMap();
export { fixBrowserCompatibilityIssuesInCSS, preparedSheets, setMutationSlices, setSnapshotHook, serializeNodeWithId, stringifyRule };
`,
  },
  {
    module: /@rrweb[\\/]replay[\\/]dist[\\/]replay\.js$/,
    changes: [
      {
        // The player's appendNode, building an added node.
        find: "      const target = buildNodeWithSN(mutation.node, {\n        doc: targetDoc,\n        // can be Document or RRDocument\n        mirror: mirror2,\n        // can be this.mirror or virtualDom.mirror\n        skipChild: true,",
        replace: "      const target = buildNodeWithSN(mutation.node, {\n        doc: targetDoc,\n        mirror: mirror2,\n        skipChild: !(mutation.node.childNodes && mutation.node.childNodes.length),",
      },
      {
        // adaptCssForReplay: a sheet's hover twins made by the adapter set (render/hover_css.js)
        // rather than by postcss, which cost more than the rest of a join for a large sheet.
        find: "    const ast = postcss$1([\n      mediaSelectorPlugin,\n      pseudoClassPlugin\n    ]).process(cssText);\n    result2 = ast.css;",
        replace: "    result2 = cssAdapter ? cssAdapter(cssText)\n"
          + "      : postcss$1([mediaSelectorPlugin, pseudoClassPlugin]).process(cssText).css;",
      },
    ],
    append: `
let cssAdapter = null;
/** (cssText) => cssText adapted for replay; null puts rrweb's own adaptation back. */
function setCssAdapter(adapter) {
  cssAdapter = adapter;
}
export { setCssAdapter };
`,
  },
];

export const rrwebHooks = {
  name: "rrweb-hooks",
  setup(build) {
    for (const patch of PATCHES) {
      build.onLoad({ filter: patch.module }, async (args) => {
        let source = await readFile(args.path, "utf8");
        for (const { find, replace } of patch.changes) {
          if (source.split(find).length !== 2) {
            throw new Error(`${args.path} no longer reads as scripts/rrweb_hooks.mjs expects`);
          }
          source = source.replace(find, replace);
        }
        return { contents: source + patch.append, loader: "js" };
      });
    }
  },
};
