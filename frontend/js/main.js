// Wires the page: controls and lessons -> the run session -> the store and the views. Holds no
// drawing, no network code and no URL parsing of its own; each of those lives in its module.
import { ApiError, api, waitForStart } from "./api.js";
import { Checkpoints } from "./checkpoints.js";
import { Controls } from "./controls.js";
import { CustomPoints } from "./custom.js";
import { bindKeys } from "./keys.js";
import { fillLessonSelect, renderLesson } from "./lessons.js";
import { MyRuns } from "./myruns.js";
import { Navigation } from "./navigation.js";
import { Notices } from "./notices.js";
import { PaceControl } from "./pace.js";
import { RunSession } from "./session.js";
import { Sharing } from "./sharing.js";
import { RunStates } from "./states.js";
import { describeChange } from "./state/changes.js";
import { mergeConfig, partialConfig } from "./state/fields.js";
import { FrameQueue } from "./state/frames.js";
import { readHash, writeHash } from "./state/hash.js";
import { messageRouter } from "./state/messages.js";
import { Store } from "./state/store.js";
import { ViewToggles } from "./toggles.js";
import { addViewToggles } from "./extratoggles.js";
import { ViewState } from "./viewstate.js";
import { ByHandView } from "./views/byhand.js";
import { CaptionView } from "./views/captions.js";
import { DigitsView } from "./views/digits.js";
import { Fit1dView } from "./views/fit1d.js";
import { InspectorView } from "./views/inspector.js";
import { LossView } from "./views/loss.js";
import { WeightEditor } from "./views/netedit.js";
import { NetworkView } from "./views/network.js";
import { Plane2dView } from "./views/plane2d.js";
import { LandscapeView } from "./views/landscape.js";
import { GradientsView } from "./views/gradients.js";
import { KINDS, ViewRegistry, kindOf } from "./views/registry.js";
import { StatsView } from "./views/stats.js";
import { UnitsView } from "./views/units.js";
import { Units2dView } from "./views/units2d.js";

const $ = (id) => document.getElementById(id);

const store = new Store();
window.playground = store.handle; // read-only, for the browser tests and curious students

const notices = new Notices({ pill: $("connection"), banner: $("banner"), notice: $("notice") });
const custom = new CustomPoints($("custom-panel"), {
  onChange: (points) => change("points", points),
  onTrainFraction: (fraction) => change("train_fraction", fraction),
  onMessage: (text) => notices.show("custom", text, { kind: "warn" }),
});

// The views, by the kind of data they draw: adding a view is one line here.
const views = new ViewRegistry();
const loss = views.register(KINDS, new LossView($("plot-loss")));
views.register(KINDS, new StatsView($("stats")));
views.register(KINDS, new CaptionView($("main-title"), $("main-caption")));
const fit1d = views.register(["1d"], new Fit1dView($("plot-fit1d"), { onClick: (click) => custom.click(click) }));
views.register(["1d"], new UnitsView($("plot-units"), $("units-caption")));
const WATCHER_REASON = "You are watching a shared run: only whoever shared it sets its weights. Make your own copy to set them.";
const locked = () => (session.watching ? WATCHER_REASON : null);
views.register(KINDS, new ByHandView($("byhand-card"), { onWeights: setWeights, fetchWeights: api.weights, locked }));
const plane = views.register(["2d"], new Plane2dView($("plot-plane2d"), { onClick: (click) => custom.click(click) }));
views.register(["digits"], new DigitsView($("plot-confusion"), $("digit-samples")));
views.register(["2d"], new Units2dView($("units2d"), $("units2d-caption")));
const editor = new WeightEditor($("network-editor"), $("network-edit-note"), {
  send: (layers) => session.setWeights(layers), fetchWeights: () => api.weights(store.run.id), locked });
views.register(KINDS, new NetworkView($("network-card"), editor));
views.register(KINDS, new InspectorView($("inspector-card"), { inspect: api.inspect, commit: () => session.step(1),
  preview: (preview) => fit1d.setPreview(preview) }));
views.register(KINDS, new LandscapeView($("landscape-card"), { fetchSlice: api.landscape }));
views.register(KINDS, new GradientsView($("gradients-card"), { fetchStats: api.gradients }));

// Opt-in drawing-cost figures for the bench and the browser tests: start(), then read().
window.playgroundTiming = Object.freeze({ start: () => views.enableTiming(), read: () => views.timingReport() });
const frames = new FrameQueue(drawFrame);
const route = messageRouter({ snapshot: drawSnapshot, frame: (frame) => frames.push(frame), error: serverError, deleted,
  weights_set: (message) => { notices.change("live", capitalised(message.message)); editor.confirm(message.message); } });
const session = new RunSession({
  onMessage: route,
  onConnection: (...args) => states.connection(...args),
  currentConfig: () => store.run?.config ?? null,
  isNamed: (id) => store.run?.id === id && Boolean(store.run.title),
});
const controls = new Controls($("controls"), { onChange: onControl });
const checkpoints = new Checkpoints({ save: $("checkpoint-save"), file: $("checkpoint-file") }, {
  getRun: () => store.run,
  onLoaded: adoptRun,
  onError: (message) => notices.show("checkpoint", message, {
    actions: [{ label: "Dismiss", run: () => notices.hide("checkpoint") }] }),
});
const sharing = new Sharing({
  button: $("share"), box: $("share-box"), url: $("share-url"), copy: $("share-copy"),
  status: $("share-status"), bar: $("watch-bar"), own: $("watch-own"), form: $("controls"),
}, { session, notices, currentConfig: () => store.run?.config ?? null,
  startOwn: (config) => (config ? navigation.start(config) : navigation.chooseLesson(store.lessons[0].id)),
  makeCopy: (id) => checkpoints.fork(id) });
const myRuns = new MyRuns({ button: $("myruns"), box: $("myruns-box"), list: $("myruns-list"), status: $("myruns-status") },
  { session, datasetTitle: (name) => store.dataset(name)?.title ?? name, open: openOwnRun });
const states = new RunStates({ notices, session, sharing, restart: (config) => navigation.start(config) });
const toggles = new ViewToggles({ loss, fit1d, plane }, () => saveHash());
addViewToggles(toggles, { loss, fit1d, plane });
const pace = new PaceControl({ slider: $("pace-slider"), epoch: $("pace-epoch"), value: $("pace-value"),
  measured: $("pace-measured") }, () => { saveHash(); if (store.run?.status === "running") session.play(paceCap()); });
const viewState = new ViewState([toggles, pace]);
const navigation = new Navigation({ store, session, sharing, notices, toggles: viewState, openLesson });

// ---------- from the server ----------

function drawSnapshot(snapshot) {
  const { run, data } = snapshot;
  frames.clear();
  store.snapshot(snapshot);
  document.body.dataset.runId = run.id;
  document.body.dataset.mode = kindOf(data);
  document.body.dataset.task = data.task;
  sharing.update();
  if (myRuns.isOpen) myRuns.refresh();
  views.setData(kindOf(data), snapshot);
  controls.clearErrors();
  controls.setTrainingSize(data.train.x.length);
  custom.setDataset(store.dataset(run.config.dataset.name), run.config.dataset,
    { train: data.train.y.length, test: data.test.y.length },
    store.options.defaults.dataset.train_fraction);
  drawRun(run, true);
}

function drawFrame(frame) {
  if (!store.run || frame.run.id !== store.run.id) return;
  views.update(frame);
  drawRun(frame.run, store.setRun(frame.run));
}

// What every message about the run changes outside the views: the form, the transport, the banners.
function drawRun(run, configChanged) {
  if (configChanged) controls.setConfig(run.config); // a live change (or a rebuild): what applies
  const running = run.status === "running";
  document.body.dataset.running = running ? "1" : "0";
  $("play").querySelector(".label").textContent = running ? "Pause" : "Play";
  states.diverged(run);
  states.failed(run);
  pace.showMeasured(run);
  // one epoch per frame follows the batch size and the data: a changed config may change the cap
  if (configChanged && running && pace.pace === "epoch" && paceCap() !== run.pace) session.play(paceCap());
  saveHash();
}

function serverError(message) {
  if (!controls.showError(message.field, message.message)) notices.show("error", message.message);
}

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function deleted() {
  states.deleted(store.run?.config);
}

function saveHash() { // the run's config, the lesson and the view, so the link reproduces them
  if (store.run) writeHash({ config: store.run.config, lesson: store.lesson, watch: sharing.watchId, view: viewState.changed });
}

/** The steps/s cap a play sends now (null: as fast as it goes). */
function paceCap() {
  return pace.cap(store.run, store.data?.train.x.length ?? 1, store.options);
}

// ---------- to the server ----------

// Weights by hand: the server answers weights_set (the optimizer-reset notice) and a frame.
function setWeights(layers) {
  if (sharing.refuseChange()) return;
  if (!session.setWeights(layers)) notices.show("error", "Not connected: the weights were not sent. Try again once the page is live.");
}

function onControl(key, value) {
  if (key === "dataset") return chooseDataset(value);
  return change(key, value);
}

function chooseDataset(name) {
  if (sharing.refuseChange()) return;
  if (store.lesson) openLesson(null); // a lesson is about its own data: another dataset is free play
  const info = store.dataset(name);
  const points = info?.custom ? custom.startingPoints(info, store.data) : null;
  const partial = { dataset: { name, points } };
  writeHash({ config: mergeConfig(store.run?.config, partial), view: viewState.changed }, { push: true });
  change("dataset", name, partial);
}

/** Send one field's change (as a partial config) and say what the server did with it. */
async function change(key, value, partial = partialConfig(key, value)) {
  if (sharing.refuseChange()) return;
  notices.hide("error");
  notices.hide("custom");
  try {
    const { run, applied } = await session.update(partial);
    const note = describeChange(key, applied, run.step);
    notices.change(note.kind, note.message);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const dataset = store.run?.config.dataset; // a refused point list: show the points in use again
    if (dataset) custom.setDataset(store.dataset(dataset.name), dataset);
    if (error.status === 0) notices.show("error", "Not connected: the change was not sent. Try again once the page is live.");
    else if (!controls.showError(error.field, error.reason)) notices.show("error", error.message);
  }
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

/** One of this browser's runs ("My runs") in this tab; the run shown before stays. */
function openOwnRun(run) {
  ["checkpoint", "gone", "watching"].forEach((key) => notices.hide(key));
  openLesson(null);
  session.open(run.id);
  sharing.update();
}

function openLesson(id) {
  store.openLesson(id);
  const lesson = store.findLesson(store.lesson);
  $("lesson").value = store.lesson ?? "";
  renderLesson($("lesson-card"), lesson);
  viewState.openLesson(lesson);
}

// ---------- page controls ----------

function togglePlay() {
  if (store.run?.status === "running") session.pause();
  else session.play(paceCap());
}

const step = () => session.step(Number($("step-size").value));
$("play").addEventListener("click", togglePlay);
$("step").addEventListener("click", step);
$("reset").addEventListener("click", () => session.reset());
$("regenerate").addEventListener("click", () => onControl("data_seed", Math.floor(Math.random() * 100000)));
$("lesson").addEventListener("change", (e) => navigation.chooseLesson(e.target.value || null));
$("lesson-next").addEventListener("click", () => navigation.chooseLesson(store.nextLesson(store.lesson).id));
bindKeys({ togglePlay, step, reset: () => session.reset() });
window.addEventListener("pagehide", () => session.close());

// ---------- start ----------

async function boot() {
  const address = readHash();
  const { options, lessons } = await waitForStart(() => {
    notices.connection("unreachable");
    notices.show("unreachable", "The server cannot be reached. The page keeps trying by itself.");
  });
  notices.hide("unreachable");
  store.setOptions(options);
  store.setLessons(lessons);
  views.setOptions(options);
  controls.setOptions(options);
  custom.setMaxPoints(options.limits.max_user_points);
  fillLessonSelect($("lesson"), lessons);
  await navigation.begin(address);
}

boot();
