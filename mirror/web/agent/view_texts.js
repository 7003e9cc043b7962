// What the agent's view says: its status, why an action was refused, and the server's notices.

export const STATUS = {
  off: "Waiting for a session ID from the customer.",
  waiting: "Waiting for the customer's page.",
  active: "Co-browse session active.",
  watching: "Co-browse session active: you are watching (view only).",
  ended: "Co-browse session ended.",
};

// Why an action was refused, in the agent's words (reasons that need no notice are left out).
export const REFUSED = {
  submit: "Only the customer can submit this form.",
  cross_origin_link: "That link leaves the customer's site.",
  masked: "That field is private to the customer.",
  readonly: "That field is read-only for you.",
  blocked: "That part of the page is private to the customer.",
  text_too_long: "That text is too long to type in one go.",
  view_only: "You are watching: only the agent acts on the customer's page.",
  not_allowed: "The customer has not given you control of the page: you can point only.",
};

// Why the view may not be the whole picture (the server's Notice reasons).
export const NOTICES = {
  "large-page": "This page is very large: pictures inside it (charts, canvases) are not shown.",
  partial: "Part of the customer's page cannot be shown.",
  "recording-stopped": "Recording stopped: the recordings' store cannot be written. The session goes on; recording resumes when it can.",
  "view-restarting": "The view is being rebuilt after a fault on the server. The session goes on.",
  "unsupported-browser": "The customer's browser cannot show you this page: it lacks a feature co-browsing needs. Ask the customer to open it in a current browser.",
};
// Notices that pass after a few seconds.
export const PASSING = {
  "recording-resumed": "Recording resumed.",
  "view-restored": "The view is back.",
  "drawings-off": "The customer turned your drawings off.",
  "drawings-on": "The customer turned your drawings on again.",
  "watchers-full": "No more colleagues can watch this session.",
  "colleague-away": "That colleague's view is not open: the session stays with you.",
  "tab-switched": "The customer switched to another tab.",
  "control-asked": "The customer is asked to allow you control of the page.",
  "control-granted": "The customer allowed you control of the page.",
  "control-denied": "The customer denied control. You can ask again in 10 seconds.",
  "control-revoked": "The customer took control back.",
  "handed-to-you": "The session is yours now: you can act on the customer's page.",
};

// The strip's word on control ([session] agent_control "ask" or "pointer"; nothing with "write").
export const CONTROL = {
  granted: "Control: yours",
  ask: "Control: the customer's (your first action asks)",
  pointer: "Pointer only",
};

// What a view that ended says, by the reason it ended for it.
export const FAREWELL = {
  handed_over: "You handed the session over to your colleague.",
  watcher_left: "You stopped watching the session.",
};
