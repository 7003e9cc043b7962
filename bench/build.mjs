// Bundles the baseline's browser sources (bench/web/) into bench/.build/ (git-ignored). The
// benchmark runs it itself (`node bench/build.mjs`) before each run; it takes well under a second.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const common = { bundle: true, format: "iife", target: ["es2020"], minify: true, logLevel: "warning", legalComments: "none" };

await Promise.all([
  // The customer's side: `benchRecord.start(relayUrl)` once injected into a page.
  build({ ...common, entryPoints: [here("web/record.js")], outfile: here(".build/record.js"), globalName: "benchRecord" }),
  // The agent's side: loaded by web/baseline.html; its CSS import becomes .build/replay.css.
  build({ ...common, entryPoints: [here("web/replay.js")], outfile: here(".build/replay.js") }),
]);
