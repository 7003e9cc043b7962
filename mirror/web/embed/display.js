// How the customer's screen shows the page (colour scheme, device pixel ratio), told to the
// render page after each full snapshot and whenever it changes (the system switching to dark mode at
// dusk, the window moving to another monitor): the Hello only says how it was at the start.
import { screenDisplay } from "../messages.js";

export const DISPLAY_TAG = "cobrowse-display";

export class DisplayWatcher {
  /** @param {(display: object) => void} report */
  constructor(report) {
    this.report = report;
    this.queries = [];
  }

  start() {
    this.stop();
    try {
      // A resolution query matches the current ratio only: re-armed for the new one each time.
      const queries = ["(prefers-color-scheme: dark)", `(resolution: ${window.devicePixelRatio || 1}dppx)`];
      this.queries = queries.map((text) => window.matchMedia(text));
      this.queries.forEach((query) => query.addEventListener("change", this.changed));
    } catch {
      this.queries = [];
    }
  }

  stop() {
    this.queries.forEach((query) => query.removeEventListener("change", this.changed));
    this.queries = [];
  }

  changed = () => {
    this.start();
    this.measure();
  };

  measure() {
    this.report(screenDisplay());
  }
}
