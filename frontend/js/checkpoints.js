// Checkpoints from the page: "Save checkpoint" downloads the run's safetensors file, "Load
// checkpoint" uploads one and hands the run it became to the page. Buttons and files only: the
// network goes through api.js, and what the page shows next is main.js's business.
import { api, ApiError } from "./api.js";

export class Checkpoints {
  /**
   * elements: {save, file} (the save button and the file input).
   * handlers: getRun() the run shown now; onLoaded(run, fileName) a file became this new run (not
   * yet streamed); onError(message) a save or load failed (the server's words).
   */
  constructor({ save, file }, { getRun, onLoaded, onError }) {
    this.saveButton = save;
    this.file = file;
    this.getRun = getRun;
    this.onLoaded = onLoaded;
    this.onError = onError;
    save.addEventListener("click", () => this.save());
    file.addEventListener("change", () => {
      if (file.files.length) this.load(file.files[0]);
    });
  }

  /** Download the current run's checkpoint as nn-playground-<dataset>-step<step>.safetensors. */
  async save() {
    const run = this.getRun();
    if (!run) return;
    this.saveButton.disabled = true;
    try {
      const { blob, filename } = await api.downloadCheckpoint(run.id);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = fileName(run, filename);
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.onError(`The checkpoint could not be saved: ${error.message}`);
    } finally {
      this.saveButton.disabled = false;
    }
  }

  /** Upload a checkpoint file; on success the page switches to the run it became. */
  async load(file) {
    try {
      const run = await api.importCheckpoint(await file.arrayBuffer());
      this.onLoaded(run, file.name);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.onError(`${file.name} was not loaded: ${error.message}`);
    } finally {
      this.file.value = ""; // choosing the same file again fires `change` again
    }
  }

  /** Copy a run where it stands (weights, optimiser state, step) into a new run for this page. */
  async fork(runId) {
    try {
      this.onLoaded(await api.forkRun(runId), null); // the server copies it and keeps its parent
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.onError(`The run could not be copied: ${error.message}`);
    }
  }
}

// The server's name when it already says which step it holds; otherwise dataset and the step the
// page shows (while the run trains, the file may hold a few steps more).
function fileName(run, serverName) {
  if (serverName && /step\d+/.test(serverName)) return serverName;
  const dataset = String(run.config?.dataset?.name ?? "run").replace(/[^\w-]+/g, "_");
  return `nn-playground-${dataset}-step${run.step}.safetensors`;
}
