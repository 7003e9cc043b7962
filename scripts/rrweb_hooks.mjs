// The snapshot in slices (mirror/web/embed/slices.js) needs three things rrweb keeps inside its
// modules. In @rrweb/record: a say in how its snapshot serialises the document, and the
// serialiser itself (one id counter and one mirror for every node). In @rrweb/replay: an added
// node built with what it holds (its recorder only ever adds nodes without, so it builds them
// alone), as its full-snapshot rebuild does. This esbuild plugin makes those changes at build
// time, and stops the build if a module no longer reads as expected: a new rrweb version is
// checked here, not found out in a customer's page.
import { readFile } from "node:fs/promises";

const PATCHES = [
  {
    module: /@rrweb[\\/]record[\\/]dist[\\/]record\.js$/,
    // The one call in rrweb's snapshot(): the whole document serialised at once.
    find: "  return serializeNodeWithId(n, {\n    doc: n,",
    replace: "  return (snapshotHook || serializeNodeWithId)(n, {\n    doc: n,",
    append: `
let snapshotHook = null;
/** (document, options) => serialised document; null puts rrweb's own serialisation back. */
function setSnapshotHook(hook) {
  snapshotHook = hook;
}
export { setSnapshotHook, serializeNodeWithId };
`,
  },
  {
    module: /@rrweb[\\/]replay[\\/]dist[\\/]replay\.js$/,
    // The player's appendNode, building an added node.
    find: "      const target = buildNodeWithSN(mutation.node, {\n        doc: targetDoc,\n        // can be Document or RRDocument\n        mirror: mirror2,\n        // can be this.mirror or virtualDom.mirror\n        skipChild: true,",
    replace: "      const target = buildNodeWithSN(mutation.node, {\n        doc: targetDoc,\n        mirror: mirror2,\n        skipChild: !(mutation.node.childNodes && mutation.node.childNodes.length),",
    append: "",
  },
];

export const rrwebHooks = {
  name: "rrweb-hooks",
  setup(build) {
    for (const patch of PATCHES) {
      build.onLoad({ filter: patch.module }, async (args) => {
        const source = await readFile(args.path, "utf8");
        if (source.split(patch.find).length !== 2) {
          throw new Error(`${args.path} no longer reads as scripts/rrweb_hooks.mjs expects`);
        }
        return { contents: source.replace(patch.find, patch.replace) + patch.append, loader: "js" };
      });
    }
  },
};
