// The baseline's customer side: plain rrweb record, with the product's pointer sampling and its
// one-batch-per-task sending, to the bench's relay. No server-side mirror is involved.
import { record } from "@rrweb/record";

/** Open the relay socket, then start recording; resolves once recording has started. */
export function start(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let queue = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (queue.length && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(queue));
      queue = [];
    };
    // As the product does (embed/capture.js): the next task through a message port, which no
    // timer nesting delays.
    const port = new MessageChannel();
    port.port1.onmessage = flush;
    socket.onerror = () => reject(new Error(`the relay socket failed: ${url}`));
    socket.onopen = () => {
      record({
        emit: (event) => {
          queue.push(event);
          if (scheduled) return;
          scheduled = true;
          port.port2.postMessage(null); // rrweb emits a mutation burst synchronously: one message.
        },
        sampling: { mousemove: 20, mousemoveCallback: 40, scroll: 40 },
      });
      resolve();
    };
  });
}
