// Keyboard shortcuts: space plays/pauses, "s" steps, "r" resets. Keys typed into a form control
// keep their usual meaning (a focused checkbox still toggles on space).

/** actions: {togglePlay, step, reset}, each a function of no arguments. */
export function bindKeys(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.matches("input:not([type=range]), select, textarea, button, summary");
    if (typing) return;
    if (event.code === "Space") {
      event.preventDefault();
      actions.togglePlay();
    } else if (event.key === "s") {
      actions.step();
    } else if (event.key === "r") {
      actions.reset();
    }
  });
}
