// Event scripts, the browser side's mirror image of replay/messages.py.
export const SCRIPT_VERSION = 1;
export const MAX_TEXT = 1000;

export const answer = {
  applied: (seq) => ({ v: SCRIPT_VERSION, type: "applied", seq }),
  refused: (seq, reason) => ({ v: SCRIPT_VERSION, type: "refused", seq, reason }),
};
