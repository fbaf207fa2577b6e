// The runs this browser made ("My runs"): ids in localStorage, newest first, shared by every tab
// and kept across visits. Plain data, no DOM; storage refused (a sandboxed frame) means no list.
const LIST = "nn-playground.my-runs";
export const MAX_REMEMBERED = 50;

/** [{id, at}] newest first (at: ms since the epoch, when this browser first had the run). */
export function rememberedRuns() {
  try {
    const list = JSON.parse(localStorage.getItem(LIST) ?? "[]");
    return Array.isArray(list) ? list.filter((entry) => typeof entry?.id === "string") : [];
  } catch {
    return [];
  }
}

function store(list) {
  try {
    localStorage.setItem(LIST, JSON.stringify(list.slice(0, MAX_REMEMBERED)));
  } catch {
    // storage refused or full: the list stays as it was
  }
}

/** Remember a run of this browser's own (already remembered: it keeps its place). */
export function rememberRun(id) {
  const list = rememberedRuns();
  if (!list.some((entry) => entry.id === id)) store([{ id, at: Date.now() }, ...list]);
}

/** Forget a run (deleted, or gone from the server). */
export function forgetRun(id) {
  const list = rememberedRuns();
  if (list.some((entry) => entry.id === id)) store(list.filter((entry) => entry.id !== id));
}
