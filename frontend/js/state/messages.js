// The websocket messages by type, as the contract lists them: builds the ones the page sends and
// routes the ones it receives, refusing any type the contract does not list. No DOM, no network.
import { CONTRACT } from "../contract.js";

/** A client message of a listed type, e.g. clientMessage("step", {steps: 10}). */
export function clientMessage(type, fields = {}) {
  if (!CONTRACT.client_messages.includes(type)) throw new Error(`unlisted client message ${type}`);
  return { type, ...fields };
}

/**
 * route(message) calls handlers[message.type](message). `handlers` must handle exactly the
 * server messages the contract lists (a missing or extra one is a bug, reported at once).
 */
export function messageRouter(handlers) {
  const listed = [...CONTRACT.server_messages].sort().join(",");
  if (Object.keys(handlers).sort().join(",") !== listed) {
    throw new Error(`the page must handle exactly these server messages: ${listed}`);
  }
  return (message) => handlers[message.type]?.(message);
}
