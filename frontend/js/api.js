// REST calls to the playground server. With socket.js, the only module that touches the network;
// it turns every failure into an ApiError carrying the server's own message and field.

export class ApiError extends Error {
  /** status 0 means the server could not be reached at all. */
  constructor(status, message, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

/** The readable message and field name of a FastAPI error body (422 list or plain detail). */
export function describeDetail(detail, status) {
  if (Array.isArray(detail) && detail.length) {
    const first = detail[0];
    const loc = (first.loc || []).filter((part) => part !== "body" && typeof part === "string");
    const field = loc.length ? loc.join(".") : null;
    const where = loc.length ? `${loc.join(".")}: ` : "";
    return { message: `${where}${first.msg}`, field };
  }
  if (typeof detail === "string") return { message: detail, field: null };
  return { message: `The server answered ${status}.`, field: null };
}

async function request(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "The server cannot be reached.");
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const { message, field } = describeDetail(payload?.detail, response.status);
    throw new ApiError(response.status, message, field);
  }
  return payload;
}

const runPath = (id) => `/api/runs/${encodeURIComponent(id)}`;

export const api = {
  health: () => request("GET", "/api/health"),
  options: () => request("GET", "/api/options"),
  createRun: (config) => request("POST", "/api/runs", config),
  getRun: (id) => request("GET", runPath(id)),
  patchRun: (id, partial) => request("PATCH", runPath(id), partial),
  deleteRun: (id) => request("DELETE", runPath(id)),
  /** A DELETE that outlives the page (keepalive), so a closed tab frees its run at once. */
  deleteRunOnExit: (id) => fetch(runPath(id), { method: "DELETE", keepalive: true }).catch(() => {}),
  runFunction: (id) => request("GET", `${runPath(id)}/function`),
  runData: (id) => request("GET", `${runPath(id)}/data`),
};

/** The websocket address of a run's stream, on the page's own host. */
export function streamUrl(id) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${runPath(id)}/stream`;
}

/** GET /api/options, retried with backoff until the server answers; onRetry() before each wait. */
export async function waitForOptions(onRetry) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api.options();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      onRetry(error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 500 * 2 ** attempt)));
    }
  }
}
