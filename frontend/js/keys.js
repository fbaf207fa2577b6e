// Keyboard shortcuts: space plays/pauses, "s" steps, "r" resets. Keys typed into a form control
// keep their usual meaning; a button (or box) keeps Space only when the keyboard focused it (Tab):
// one the mouse just clicked keeps the focus but must not swallow the shortcuts.

const TYPING = "input:not([readonly]):not([type=range]):not([type=checkbox]):not([type=radio]), select, textarea, [contenteditable]";
const SPACE_OWNERS = "button, summary, label, input[type=checkbox], input[type=radio], input[type=file]";

/** actions: {togglePlay, step, reset}, each a function of no arguments. */
export function bindKeys(actions) {
  let clicked = null; // the control the pointer focused last, until something else gets the focus
  document.addEventListener("pointerdown", (event) => {
    clicked = event.target.closest?.(SPACE_OWNERS) ?? null;
  }, true);
  document.addEventListener("focusin", (event) => {
    if (event.target !== clicked && !clicked?.contains(event.target)) clicked = null;
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    if (target.matches?.(TYPING)) return;
    if (event.code === "Space") {
      if (target.matches?.(SPACE_OWNERS) && target !== clicked) return; // Tab then Space: its own
      event.preventDefault(); // and no click on the button the mouse left focused
      actions.togglePlay();
    } else if (event.key === "s" || event.key === "S") {
      actions.step();
    } else if (event.key === "r" || event.key === "R") {
      actions.reset();
    }
  });
}
