// The agent's pointing tools, drawn over a page: a laser pointer (a red trail that fades within a
// second) and a highlighter (yellow strokes that fade after a few seconds). Marks are kept in the
// page's document coordinates, so they follow it when it scrolls; they are drawn on a canvas of
// our own over the page, never into the page's content. The customer's page (in the widget, which
// is never captured) and the server's render page (so the agent's view shows them) each draw the
// same marks.
export const TOOLS = {
  laser: { colour: "rgba(229, 72, 77, ALPHA)", width: 5, lasts: 1000, fades: 700 },
  highlight: { colour: "rgba(255, 214, 10, ALPHA)", width: 16, lasts: 6000, fades: 1500, alpha: 0.45 },
};

export class Drawings {
  /**
   * @param {ParentNode} parent where the overlay canvas goes (fixed over the viewport)
   * @param {() => {x: number, y: number, width: number, height: number}} view the page's scroll
   *   offset and viewport size, read at each drawing
   * @param {string} [attribute] an attribute the overlay carries (the widget's: never captured)
   */
  constructor(parent, view, attribute = null) {
    this.parent = parent;
    this.view = view;
    this.attribute = attribute;
    this.strokes = []; // {tool, points: [{x, y, at}]}, in document coordinates.
    this.canvas = null;
    this.frame = 0;
  }

  /** A piece of a stroke, in viewport coordinates; `tool` is a key of TOOLS. `join` continues
   * the last stroke of that tool (a drag sent in pieces). */
  add(tool, points, join = true) {
    if (!TOOLS[tool] || !Array.isArray(points) || !points.length) return;
    const { x, y } = this.view();
    const now = performance.now();
    const placed = points.map(([px, py]) => ({ x: px + x, y: py + y, at: now }));
    const last = this.strokes[this.strokes.length - 1];
    if (join && last && last.tool === tool && now - last.points[last.points.length - 1].at < 250) {
      last.points.push(...placed);
    } else {
      this.strokes.push({ tool, points: placed });
    }
    this.schedule();
  }

  clear() {
    this.strokes = [];
    this.schedule();
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    if (this.canvas) this.canvas.remove();
    this.canvas = null;
    this.strokes = [];
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = 0;
    const now = performance.now();
    this.strokes = this.strokes.filter((s) => now - s.points[s.points.length - 1].at < TOOLS[s.tool].lasts);
    const canvas = this.overlay();
    const { x, y, width, height } = this.view();
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.lineCap = context.lineJoin = "round";
    for (const stroke of this.strokes) this.stroke(context, stroke, now, x, y);
    if (this.strokes.length) this.schedule();
  }

  stroke(context, { tool, points }, now, x, y) {
    const style = TOOLS[tool];
    context.lineWidth = style.width;
    if (tool !== "laser") {
      // One path, one colour: translucent pieces drawn one by one would darken where they meet.
      const age = now - points[points.length - 1].at;
      const left = Math.min(1, Math.max(0, (style.lasts - age) / style.fades));
      context.strokeStyle = style.colour.replace("ALPHA", String((style.alpha || 0.9) * left));
      context.beginPath();
      context.moveTo(points[0].x - x, points[0].y - y);
      for (const point of points) context.lineTo(point.x - x + (point === points[0] ? 0.01 : 0), point.y - y);
      context.stroke();
      return;
    }
    for (let i = 0; i < points.length; i += 1) {
      const a = points[Math.max(0, i - 1)];
      const b = points[i];
      // Each piece fades on its own clock: a laser's tail disappears as its head moves on.
      const age = now - b.at;
      const left = Math.min(1, Math.max(0, (style.lasts - age) / style.fades));
      if (left <= 0) continue;
      context.strokeStyle = style.colour.replace("ALPHA", String((style.alpha || 0.9) * left));
      context.beginPath();
      context.moveTo(a.x - x, a.y - y);
      context.lineTo(b.x - x + (a === b ? 0.01 : 0), b.y - y);
      context.stroke();
    }
  }

  overlay() {
    if (this.canvas && this.canvas.isConnected) return this.canvas;
    const canvas = document.createElement("canvas");
    if (this.attribute) canvas.setAttribute(this.attribute, "");
    canvas.setAttribute("aria-hidden", "true");
    canvas.style.cssText = "position:fixed;left:0;top:0;pointer-events:none;z-index:2147483646;";
    this.parent.append(canvas);
    this.canvas = canvas;
    return canvas;
  }
}
