// Bundles the browser-side sources into mirror/static/ (git-ignored; `make setup` runs this),
// and the fixture sites that use real npm libraries (also git-ignored).
import { build } from "esbuild";
import { rrwebHooks } from "./rrweb_hooks.mjs";

const common = { bundle: true, format: "iife", target: ["es2020"], logLevel: "warning", legalComments: "none" };
const production = { "process.env.NODE_ENV": '"production"' };

await Promise.all([
  build({ entryPoints: ["mirror/web/agent/agent.css"], outfile: "mirror/static/agent.css", bundle: true, minify: true, logLevel: "warning" }),
  build({ ...common, entryPoints: ["mirror/web/embed/index.js"], outfile: "mirror/static/cobrowse.js", minify: true, loader: { ".css": "text" },
    plugins: [rrwebHooks] }),
  build({ ...common, entryPoints: ["mirror/web/agent/agent.js"], outfile: "mirror/static/agent.js", minify: true }),
  // <cobrowse-view>, served as /agent-view.js: the agent's view for any page to embed.
  build({ ...common, entryPoints: ["mirror/web/agent/view.js"], outfile: "mirror/static/agent-view.js", minify: true, loader: { ".css": "text" } }),
  // The playback page of recordings (/recordings/{uuid}).
  build({ entryPoints: ["mirror/web/recordings/player.css"], outfile: "mirror/static/player.css", bundle: true, minify: true, logLevel: "warning" }),
  build({ ...common, entryPoints: ["mirror/web/recordings/player.js"], outfile: "mirror/static/player.js", minify: true }),
  build({ ...common, entryPoints: ["mirror/web/render/render.js"], outfile: "mirror/static/render.js", minify: true,
    plugins: [rrwebHooks] }),
  // The React fixture (a real React app, for tests of framework-controlled fields).
  build({ ...common, entryPoints: ["fixtures/react/app.jsx"], outfile: "fixtures/react/bundle.js", minify: true,
    jsx: "automatic", define: production }),
  // The dashboard fixture: Chart.js drawing on canvases.
  build({ ...common, entryPoints: ["fixtures/dashboard/app.js"], outfile: "fixtures/dashboard/bundle.js", minify: true,
    define: production }),
  // The web-components fixture: Shoelace (Lit) elements and their theme.
  build({ ...common, entryPoints: ["fixtures/components/app.js"], outfile: "fixtures/components/bundle.js", minify: true,
    define: production }),
  build({ entryPoints: ["node_modules/@shoelace-style/shoelace/dist/themes/light.css"],
    outfile: "fixtures/components/shoelace.css", bundle: true, minify: true, logLevel: "warning" }),
]);
