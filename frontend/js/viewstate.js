// What of the view a link and a lesson carry, from several parts (the toggles, the pace): one
// restore, one openLesson, one `changed` over all of them. Holds no state of its own.

export class ViewState {
  /** parts: objects with restore(view), openLesson(lesson) and a `changed` getter. */
  constructor(parts) {
    this.parts = parts;
  }

  restore(view) {
    for (const part of this.parts) part.restore(view);
  }

  openLesson(lesson) {
    for (const part of this.parts) part.openLesson(lesson);
  }

  get changed() {
    return Object.assign({}, ...this.parts.map((part) => part.changed));
  }
}
