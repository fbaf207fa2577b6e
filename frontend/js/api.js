// REST calls to the playground server and the page's data files (lessons.json). With socket.js,
// the only module that touches the network; it turns every failure into an ApiError carrying the
// server's own message and field.

export class ApiError extends Error {
  /**
   * status 0 means the server could not be reached at all. message names the field ("training.
   * learning_rate: ..."); reason is the server's words alone, for showing next to that field.
   */
  constructor(status, message, field = null, reason = message) {
    super(message);
    this.status = status;
    this.field = field;
    this.reason = reason;
  }
}

// The readable message, field name and reason of a FastAPI error body (422 list or plain detail).
function describeDetail(detail, status) {
  if (Array.isArray(detail) && detail.length) {
    const first = detail[0];
    const loc = (first.loc || []).filter((part) => part !== "body" && typeof part === "string");
    const field = loc.length ? loc.join(".") : null;
    const where = loc.length ? `${loc.join(".")}: ` : "";
    return { message: `${where}${first.msg}`, field, reason: first.msg };
  }
  if (typeof detail === "string") return { message: detail, field: null, reason: detail };
  const message = `The server answered ${status}.`;
  return { message, field: null, reason: message };
}

async function send(method, path, body, contentType) {
  try {
    return await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": contentType },
      body,
    });
  } catch {
    throw new ApiError(0, "The server cannot be reached.");
  }
}

async function failed(response) {
  const payload = await response.json().catch(() => null);
  const { message, field, reason } = describeDetail(payload?.detail, response.status);
  return new ApiError(response.status, message, field, reason);
}

async function request(method, path, body) {
  const json = body === undefined ? undefined : JSON.stringify(body);
  const response = await send(method, path, json, "application/json");
  if (!response.ok) throw await failed(response);
  return response.json().catch(() => null);
}

/** GET a run's checkpoint file: {blob, filename} (filename as the server names it, or null). */
async function downloadCheckpoint(id) {
  const response = await send("GET", `${runPath(id)}/checkpoint`);
  if (!response.ok) throw await failed(response);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? null;
  return { blob: await response.blob(), filename };
}

/** POST checkpoint bytes (an ArrayBuffer or Blob) as the raw body; answers the new Run. */
async function importCheckpoint(bytes) {
  const response = await send("POST", "/api/runs/import", bytes, "application/octet-stream");
  if (!response.ok) throw await failed(response);
  return response.json();
}

const runPath = (id) => `/api/runs/${encodeURIComponent(id)}`;

export const api = {
  health: () => request("GET", "/api/health"),
  options: () => request("GET", "/api/options"),
  /** The lessons (frontend/lessons.json): [{id, title, section, text, try, view, config, claim}]. */
  lessons: () => request("GET", "/lessons.json"),
  createRun: (config) => request("POST", "/api/runs", config),
  /** Which of these runs the server has: {runs: [Run], missing: [id]} (ids in the body). */
  lookupRuns: (ids) => request("POST", "/api/runs/lookup", { ids }),
  /** A partial config; answers {run, applied: "live" | "rebuilt" | "data"}. */
  patchRun: (id, partial) => request("PATCH", runPath(id), partial),
  deleteRun: (id) => request("DELETE", runPath(id)),
  forkRun: (id) => request("POST", `${runPath(id)}/fork`),
  /** Every layer's weights: {layers: [{weight, bias}, ...]}, input first. */
  weights: (id) => request("GET", `${runPath(id)}/weights`),
  /** The run's next step opened up (float64); body {check: {layer, row, column}} or null. */
  inspect: (id, body) => request("POST", `${runPath(id)}/inspect`, body ?? {}),
  /** The loss on a 2-D slice through the weights and the path: the wire Landscape. query:
   * {directions?, size?, span?, seed?}. */
  /** Per-layer gradient and activation statistics of the run's next step: the wire Gradients. */
  gradients: (id) => request("GET", `${runPath(id)}/gradients`),
  landscape: (id, query = {}) => request("GET", `${runPath(id)}/landscape?${new URLSearchParams(query)}`),
  downloadCheckpoint,
  importCheckpoint,
};

/** The websocket address of a run's stream, on the page's own host. */
export function streamUrl(id) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${runPath(id)}/stream`;
}

/**
 * What the page needs before it can start: {options, lessons}, retried with backoff until the
 * server answers; onRetry() before each wait.
 */
export async function waitForStart(onRetry) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const [options, lessons] = await Promise.all([api.options(), api.lessons()]);
      return { options, lessons };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      onRetry(error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 500 * 2 ** attempt)));
    }
  }
}
