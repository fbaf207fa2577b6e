// The speed control by the Play button: steps per second on a log slider (1 ... 1000, then "as fast
// as it goes") or "one epoch per frame". It turns the choice into the cap a play message carries
// (`steps_per_second`, null = no cap) and says what is chosen and what is measured. It never talks
// to the server itself (main.js sends the play) and never writes the URL (state/hash.js does).

export const PACE_STOPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
export const DEFAULT_PACE = "max";
const MAX_CAP = 100000; // the wire's bound on steps_per_second

/** A pace from the hash or a lesson: a positive number, "epoch" or "max"; anything else is null. */
export function parsePace(value) {
  if (value === "max" || value === "epoch") return value;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0.1 && number <= MAX_CAP ? number : null;
}

/** Steps in one epoch: ceil(training points / batch size), 1 for full batch (batch null). */
export function stepsPerEpoch(trainingPoints, batchSize) {
  if (batchSize === null || batchSize === undefined || batchSize >= trainingPoints) return 1;
  return Math.ceil(trainingPoints / batchSize);
}

export class PaceControl {
  /**
   * elements: {slider, epoch (checkbox), value (the chosen pace in words), measured}.
   * onChange() runs after a person moves the slider or ticks the box.
   */
  constructor({ slider, epoch, value, measured }, onChange) {
    Object.assign(this, { slider, epochBox: epoch, valueCell: value, measuredCell: measured });
    this.slider.min = "0";
    this.slider.max = String(PACE_STOPS.length); // the last position is "max"
    this.slider.step = "1";
    this.defaultPace = DEFAULT_PACE;
    this.pace = DEFAULT_PACE;
    this.slider.addEventListener("input", () => {
      const position = Number(this.slider.value);
      this.#set(position >= PACE_STOPS.length ? "max" : PACE_STOPS[position]);
      onChange();
    });
    this.epochBox.addEventListener("change", () => {
      this.#set(this.epochBox.checked ? "epoch" : this.lastNumber ?? "max");
      onChange();
    });
    this.#set(DEFAULT_PACE);
  }

  /** A lesson opened (or free play: null): its pace becomes the default and is chosen. */
  openLesson(lesson) {
    this.defaultPace = parsePace(lesson?.pace) ?? DEFAULT_PACE;
    this.#set(this.defaultPace);
  }

  /** The pace from a link ({pace: "30"}); a missing or bad value leaves it as it is. */
  restore(view) {
    const pace = parsePace(view?.pace);
    if (pace !== null) this.#set(pace);
  }

  /** {pace} when it differs from the default (what a link must carry), else {}. */
  get changed() {
    return this.pace === this.defaultPace ? {} : { pace: String(this.pace) };
  }

  /**
   * The cap a play sends for this run: steps/s, or null for no cap. "One epoch per frame" is
   * steps per epoch x the server's frame rate.
   */
  cap(run, trainingPoints, options) {
    if (this.pace === "max") return null;
    if (this.pace !== "epoch") return this.pace;
    const frameRate = options?.limits?.frame_rate ?? 30;
    const perEpoch = stepsPerEpoch(trainingPoints, run?.config?.training?.batch_size ?? null);
    return Math.min(MAX_CAP, perEpoch * frameRate);
  }

  /** Show the run's measured rate next to the chosen pace. */
  showMeasured(run) {
    const text = run?.status === "running" ? `${Math.round(run.steps_per_second).toLocaleString("en-US")} steps/s` : "";
    if (this.measuredCell.textContent !== text) this.measuredCell.textContent = text;
    this.slider.closest("[data-pace]")?.setAttribute("data-pace", String(run?.pace ?? "max"));
  }

  #set(pace) {
    this.pace = pace;
    if (typeof pace === "number") this.lastNumber = pace;
    this.epochBox.checked = pace === "epoch";
    this.slider.disabled = pace === "epoch";
    if (pace !== "epoch") this.slider.value = String(pace === "max" ? PACE_STOPS.length : nearestStop(pace));
    this.valueCell.textContent = pace === "max" ? "max" : pace === "epoch" ? "1 epoch/frame" : `${pace}/s`;
  }
}

function nearestStop(pace) {
  let best = 0;
  PACE_STOPS.forEach((stop, i) => {
    if (Math.abs(Math.log(stop / pace)) < Math.abs(Math.log(PACE_STOPS[best] / pace))) best = i;
  });
  return best;
}
