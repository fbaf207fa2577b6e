// The lesson picker and the lesson card: shows lessons (data from lessons.json, fetched by api.js
// and held by the store) with their text tied to the lecture. Text and DOM only: which run a lesson
// starts is main.js's business.

/** Fill the lesson <select> (with a "free play" entry for settings of one's own). */
export function fillLessonSelect(select, lessons) {
  const free = new Option("Free play (your own settings)", "");
  select.replaceChildren(free, ...lessons.map((l, i) => new Option(`${i + 1}. ${l.title}`, l.id)));
}

/** Show a lesson (or the free-play text when lesson is null) in the lesson card. */
export function renderLesson(card, lesson) {
  card.querySelector("#lesson-title").textContent = lesson ? lesson.title : "Free play";
  card.querySelector("#lesson-section").textContent = lesson ? lesson.section : "";
  const text = card.querySelector("#lesson-text");
  const paragraphs = lesson ? lesson.text : [
    "Choose a dataset and a network, press Play, and watch it learn. Every setting is in the address bar: copy the link to share this exact run, seeds included.",
  ];
  text.innerHTML = paragraphs.map((p) => `<p>${p}</p>`).join(""); // authored text (lessons.json), not user input
  card.querySelector("#lesson-try").textContent = lesson?.try ?? "";
}
