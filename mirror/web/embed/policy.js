// The session's masking policy, sent by the server when the session starts (a page cannot weaken
// it: the server checks every action again). Sites may also mark elements themselves with
// data-cobrowse-hidden, data-cobrowse-readonly and data-cobrowse-blocked.
import { closestDeep } from "../dom.js";

function selectorOf(list, attribute) {
  return [...(list || []), `[${attribute}]`].join(",");
}

export class Policy {
  constructor({ hidden = [], readonly = [], blocked = [], agent_can_submit = false } = {}) {
    this.hidden = selectorOf(hidden, "data-cobrowse-hidden");
    this.readonly = selectorOf(readonly, "data-cobrowse-readonly");
    this.blocked = selectorOf(blocked, "data-cobrowse-blocked");
    this.agentCanSubmit = Boolean(agent_can_submit);
  }

  /** Hidden: the element or a container of it matches (so a field inside a hidden area is too). */
  isHidden(element) {
    return Boolean(element && closestDeep(element, this.hidden));
  }

  isReadonly(element) {
    return Boolean(element && closestDeep(element, this.readonly));
  }

  isBlocked(element) {
    return Boolean(element && closestDeep(element, this.blocked));
  }

  /** Why the agent may not act on `element`, or null. */
  refusal(element) {
    if (this.isBlocked(element)) return "blocked";
    if (this.isHidden(element)) return "masked";
    if (this.isReadonly(element)) return "readonly";
    return null;
  }
}
