// Encoding a picture (a canvas's drawing, a video's frame) for the render page: on an OffscreenCanvas
// where the browser has one, else on a canvas element (Safari before 16.4 has none).

const own = new WeakSet(); // The canvas elements made here, which are not the page's drawings.

/** A canvas of that size with a 2D context to draw the picture on. */
export function pictureCanvas(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  own.add(canvas);
  return canvas;
}

/** True for a canvas element made by pictureCanvas (its drawing is not the page's). */
export function isPictureCanvas(canvas) {
  return own.has(canvas);
}

/** The canvas's picture as a Blob of `type`, or of the browser's fallback type (PNG). */
export function canvasBlob(canvas, type, quality) {
  if (typeof canvas.convertToBlob === "function") return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the canvas gave no picture"))), type, quality);
  });
}

/** A blob as a data: URL (FileReader encodes off the main thread). */
export function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
