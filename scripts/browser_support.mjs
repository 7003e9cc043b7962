// Which browsers' APIs the embed script (mirror/static/cobrowse.js, rrweb included) may use:
// eslint-plugin-compat checks every browser API it calls against MDN's compatibility data for the
// customers' browsers we support. An API listed under `polyfills` is one the script feature-
// detects, with a fallback, at each use; anything else missing from a listed browser fails the
// check (tests/unit/test_browser_support.py).
import compat from "eslint-plugin-compat";

export const CUSTOMERS = ["safari >= 15.4", "ios_saf >= 15.4", "firefox >= 115", "chrome >= 100", "edge >= 100"];

export default [
  {
    files: ["**/*.js"],
    plugins: { compat },
    languageOptions: { ecmaVersion: "latest", sourceType: "script" },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    settings: {
      browsers: CUSTOMERS,
      polyfills: [
        "requestIdleCallback", // embed/capture.js warmUp: setTimeout otherwise
        "navigator.userAgentData", // fonts.js platform: navigator.platform otherwise
        "scheduler", // embed/slices.js: a MessageChannel task otherwise
        "document.adoptedStyleSheets", // rrweb's snapshot: read only where the browser has it
      ],
    },
    rules: { "compat/compat": "error" },
  },
];
