// Wires the page: controls and lessons -> the run session -> views. Holds no drawing, no
// network code and no URL parsing of its own; each of those lives in its module.
import { ApiError, waitForOptions } from "./api.js";
import { Checkpoints } from "./checkpoints.js";
import { Controls } from "./controls.js";
import { CustomPoints } from "./custom.js";
import { bindKeys } from "./keys.js";
import { DEFAULT_LESSON, fillLessonSelect, findLesson, nextLesson, renderLesson } from "./lessons.js";
import { Notices } from "./notices.js";
import { RunSession } from "./session.js";
import { Sharing } from "./sharing.js";
import { RunStates } from "./states.js";
import { ChangeTracker } from "./state/changes.js";
import { FrameQueue } from "./state/frames.js";
import { configPath, readHash, writeHash } from "./state/hash.js";
import { caption } from "./texts.js";
import { ViewToggles } from "./toggles.js";
import { DigitsView } from "./views/digits.js";
import { Fit1dView } from "./views/fit1d.js";
import { LossView } from "./views/loss.js";
import { Plane2dView } from "./views/plane2d.js";
import { StatsView } from "./views/stats.js";
import { UnitsView } from "./views/units.js";

const $ = (id) => document.getElementById(id);

const notices = new Notices({ pill: $("connection"), banner: $("banner"), notice: $("notice") });
const changes = new ChangeTracker();
const stats = new StatsView($("stats"));
const loss = new LossView($("plot-loss"));
const custom = new CustomPoints($("custom-panel"), {
  onChange: (points) => send("points", points),
  onMessage: (text) => notices.show("custom", text, { kind: "warn" }),
});
const fit1d = new Fit1dView($("plot-fit1d"), { onClick: (click) => custom.click(click) });
const plane = new Plane2dView($("plot-plane2d"), { onClick: (click) => custom.click(click) });
const units = new UnitsView($("plot-units"), $("units-caption"));
const digits = new DigitsView($("plot-confusion"), $("digit-samples"));
const frames = new FrameQueue(drawFrame);
const session = new RunSession({ onMessage, onConnection: (...args) => states.connection(...args) });
const controls = new Controls($("controls"), { onChange: onControl });
const checkpoints = new Checkpoints({ save: $("checkpoint-save"), file: $("checkpoint-file") }, {
  getRun: () => page.run,
  onLoaded: adoptRun,
  onError: (message) => notices.show("checkpoint", message, {
    actions: [{ label: "Dismiss", run: () => notices.hide("checkpoint") }] }),
});
const sharing = new Sharing({
  button: $("share"), box: $("share-box"), url: $("share-url"), copy: $("share-copy"),
  status: $("share-status"), bar: $("watch-bar"), own: $("watch-own"), form: $("controls"),
}, { session, notices, startOwn: (config) => (config ? start(config) : chooseLesson(DEFAULT_LESSON)),
  makeCopy: (id) => checkpoints.fork(id) });
const states = new RunStates({ notices, session, sharing, restart: start });
const toggles = new ViewToggles({ loss, fit1d, plane }, () => saveHash());

const page = { options: null, datasets: new Map(), lesson: null, run: null, data: null, snapshots: 0 };
window.playground = page; // tests and curious students: page.run.id is the run being watched

// ---------- from the server ----------

function onMessage(message) {
  if (message.type === "snapshot") return drawSnapshot(message);
  if (message.type === "frame") return frames.push(message);
  if (message.type === "error") {
    changes.fail();
    const dataset = page.run?.config.dataset; // a refused point list: show the points in use again
    if (dataset) custom.setDataset(page.datasets.get(dataset.name), dataset.points);
    if (!controls.showError(message.field, message.message)) notices.show("error", message.message);
    return undefined;
  }
  if (message.type === "deleted") states.deleted(page.run?.config);
  return undefined;
}

function drawSnapshot({ run, data, history, function: fn }) {
  frames.clear();
  page.snapshots += 1;
  page.run = run;
  page.data = data;
  document.body.dataset.runId = run.id;
  sharing.update();
  const mode = data.inputs === 1 ? "1d" : data.inputs === 2 ? "2d" : "digits";
  document.body.dataset.mode = mode;
  document.body.dataset.task = data.task;
  $("main-title").textContent = mode === "digits" ? "Test set: confusion matrix"
    : data.task === "regression" ? "The fitted function" : "The network's prediction";
  $("main-caption").textContent = caption(mode, data.task);
  if (mode === "1d") fit1d.setData(data);
  if (mode === "2d") plane.setData(data);
  if (mode === "digits") digits.reset();
  loss.reset(history, run.loss);
  controls.clearErrors();
  controls.setTrainingSize(data.train.x.length);
  custom.setDataset(page.datasets.get(run.config.dataset.name), run.config.dataset.points);
  const note = changes.onSnapshot();
  if (note) notices.change(note.kind, note.message);
  drawRun(run, fn);
}

function drawFrame(frame) {
  if (!page.run || frame.run.id !== page.run.id) return;
  loss.update(frame.history);
  drawRun(frame.run, frame.function);
  const note = changes.onFrame(frame.run);
  if (note) notices.change(note.kind, note.message);
}

function drawRun(run, fn) {
  page.run = run;
  session.remember(run);
  stats.update(run);
  const configKey = JSON.stringify(run.config);
  if (configKey !== page.configKey) { // a live change (or a rebuild): the form shows what applies
    page.configKey = configKey;
    controls.setConfig(run.config);
  }
  if (fn?.kind === "1d") {
    fit1d.update(fn);
    units.update(fn, run.config.model.activation, run.task);
  }
  if (fn?.kind === "2d") plane.update(fn);
  if (fn?.kind === "digits") digits.update(fn);
  const running = run.status === "running";
  document.body.dataset.running = running ? "1" : "0";
  $("play").querySelector(".label").textContent = running ? "Pause" : "Play";
  states.diverged(run);
  states.failed(run);
  saveHash();
}

function saveHash() { // the run's config, the lesson and the view, so the link reproduces them
  if (page.run) writeHash(page.run.config, page.lesson, sharing.watchId, toggles.changed);
}

// ---------- to the server ----------

function onControl(key, value) {
  if (key === "dataset") return chooseDataset(value);
  const [group, field] = configPath(key);
  return send(key, value, { [group]: { [field]: value } });
}

function chooseDataset(name) {
  if (page.lesson) openLesson(null); // a lesson is about its own data: another dataset is free play
  const info = page.datasets.get(name);
  const points = info?.custom ? custom.startingPoints(info, page.data) : null;
  send("dataset", name, { dataset: { name, points } });
}

function send(key, value, partial) {
  if (sharing.refuseChange()) return;
  const config = partial ?? { dataset: { name: page.run.config.dataset.name, points: value } };
  changes.expect(key, value, page.run?.step ?? 0);
  notices.hide("error");
  notices.hide("custom");
  if (!session.update(config)) notices.show("error", "Not connected: the change was not sent. Try again once the page is live.");
}

function start(config) {
  ["deleted", "gone"].forEach((key) => notices.hide(key));
  return session.replace(config)
    .then(() => ["limit", "unreachable"].forEach((key) => notices.hide(key)))
    .catch((error) => startFailed(error, config));
}

function startFailed(error, config) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 422) {
    notices.show("invalid-link", `These settings were refused: ${error.message}. Showing the default lesson instead.`, { kind: "warn" });
    openLesson(DEFAULT_LESSON);
    return session.replace(findLesson(DEFAULT_LESSON).config);
  }
  const kind = error.status === 0 ? "unreachable" : "limit";
  const text = error.status === 0 ? "The server cannot be reached." : `The server is full: ${error.message}`;
  notices.connection(kind === "unreachable" ? "unreachable" : "closed");
  notices.show(kind, text, { actions: [{ label: "Try again", run: () => start(config) }] });
  return undefined;
}

/** A checkpoint (or a copy of a watched run) became a run: show it, free our old one. */
function adoptRun(run, fileName) {
  ["checkpoint", "gone", "watching"].forEach((key) => notices.hide(key));
  openLesson(null);
  session.adopt(run);
  sharing.update();
  const what = fileName ? `Loaded ${fileName}` : "Your own copy";
  notices.change("loaded", `${what}: training continues from step ${run.step.toLocaleString("en-US")}.`);
}

function openLesson(id) {
  const lesson = findLesson(id);
  page.lesson = lesson ? lesson.id : null;
  $("lesson").value = page.lesson ?? "";
  renderLesson($("lesson-card"), lesson);
  toggles.openLesson(lesson);
}

// ---------- page controls ----------

function togglePlay() {
  if (page.run?.status === "running") session.pause();
  else session.play();
}

$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", () => session.step(Number($("step-size").value)));
$("reset").addEventListener("click", () => session.reset());
$("regenerate").addEventListener("click", () => onControl("data_seed", Math.floor(Math.random() * 100000)));
function chooseLesson(id) {
  openLesson(id);
  if (page.lesson) start(findLesson(page.lesson).config);
  else saveHash();
}

$("lesson").addEventListener("change", (e) => chooseLesson(e.target.value));
$("lesson-next").addEventListener("click", () => chooseLesson(nextLesson(page.lesson).id));

bindKeys({
  togglePlay,
  step: () => session.step(Number($("step-size").value)),
  reset: () => session.reset(),
});
window.addEventListener("pagehide", () => session.close());
window.addEventListener("hashchange", () => { // a watch link pasted into this tab's address bar
  const { watch, config } = readHash();
  if (!watch || watch === session.runId || !page.options) return;
  openLesson(null); // join someone's run instead of running one's own
  sharing.watch(watch, config);
});

// ---------- start ----------

async function boot() {
  fillLessonSelect($("lesson"));
  const { config, lesson, watch, view } = readHash();
  const fromLink = Object.keys(config).length > 0;
  openLesson(watch ? null : fromLink ? lesson : (lesson ?? DEFAULT_LESSON));
  toggles.restore(view);
  page.options = await waitForOptions(() => {
    notices.connection("unreachable");
    notices.show("unreachable", "The server cannot be reached. The page keeps trying by itself.");
  });
  notices.hide("unreachable");
  for (const info of page.options.datasets) page.datasets.set(info.name, info);
  controls.setOptions(page.options);
  stats.setPiecewise(page.options.activations.filter((a) => a.piecewise_linear).map((a) => a.name));
  if (watch) sharing.watch(watch, config); // the lesson is already closed: the link's view stays
  else await start(fromLink ? config : findLesson(page.lesson)?.config ?? {});
}

boot();
