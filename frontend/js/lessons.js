// Lessons: presets that each show one idea of the lecture (Deep Learning Basics), with a short
// explanation tied to its section and the settings that show it. Data and text only, plus the card.

export const DEFAULT_LESSON = "three_kinks";

export const LESSONS = [
  {
    id: "three_kinks",
    title: "Three hidden units make three kinks",
    section: "Shallow networks · the effect of ReLU",
    text: [
      "Each hidden unit computes <span class=math>h<sub>d</sub> = ReLU[θ<sub>d0</sub> + θ<sub>d1</sub>x]</span>: zero on one side of its joint and a straight line on the other. The output <span class=math>y = φ<sub>0</sub> + φ<sub>1</sub>h<sub>1</sub> + φ<sub>2</sub>h<sub>2</sub> + φ<sub>3</sub>h<sub>3</sub></span> adds three bent lines, so it is piecewise linear with at most three kinks (pink circles) and four linear regions.",
      "The panels below follow the lecture: pre-activation → activation → weighted → summed.",
    ],
    try: "Press Play, then set hidden units to 8 and count the kinks again.",
    config: {
      dataset: { name: "sine", n_points: 60, noise: 0.1, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 3, depth: 1, activation: "relu", init: "he" },
      training: { optimizer: "adam", learning_rate: 0.01, batch_size: null, seed: 4 },
    },
  },
  {
    id: "universal",
    title: "More hidden units approximate any function",
    section: "Universal approximation theorem",
    text: [
      "With D hidden units a shallow network <span class=math>y = φ<sub>0</sub> + Σ φ<sub>d</sub>h<sub>d</sub></span> is a curve with up to D kinks. With enough units it can follow any continuous function as closely as we like; that is the universal approximation theorem.",
    ],
    try: "Lower hidden units to 4, then raise them to 64: watch the fit go from coarse to close.",
    config: {
      dataset: { name: "triangle", n_points: 200, noise: 0.03, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 32, depth: 1, activation: "relu" },
      training: { optimizer: "adam", learning_rate: 0.01, batch_size: null, seed: 0 },
    },
  },
  {
    id: "depth",
    title: "Depth multiplies linear regions",
    section: "Deep networks · parameter counts and linear regions",
    text: [
      "A network with one input and K layers of D units has <span class=math>3D + 1 + (K−1)D(D+1)</span> parameters and can make up to <span class=math>(D+1)<sup>K</sup></span> linear regions: each layer folds the function the layer before it made.",
      "Compare the measured regions with the bound in the numbers above, and with a shallow net of about the same number of parameters.",
    ],
    try: "Now try 1 hidden layer of 12 units (about as many parameters): compare its regions and its fit.",
    config: {
      dataset: { name: "triangle", n_points: 200, noise: 0.02, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 4, depth: 3, activation: "relu", init: "he" },
      training: { optimizer: "adam", learning_rate: 0.01, batch_size: null, seed: 3 },
    },
  },
  {
    id: "large_lr",
    title: "A learning rate that is too large diverges",
    section: "Gradient descent",
    text: [
      "Gradient descent updates <span class=math>φ ← φ − α · ∂L/∂φ</span>. If the learning rate α is too large, every step overshoots the valley and lands higher up the other side: the loss grows until it is no longer a number.",
    ],
    try: "Press Play and watch the loss explode; then lower the learning rate (it applies live) or reset.",
    config: {
      dataset: { name: "sine", n_points: 100, noise: 0.1, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 16, depth: 1, activation: "relu" },
      training: { optimizer: "sgd", learning_rate: 2, batch_size: null, seed: 0 },
    },
  },
  {
    id: "sgd_noise",
    title: "Small batches are noisy, the full batch is smooth",
    section: "Stochastic gradient descent · batches and epochs",
    text: [
      "SGD computes the gradient on a random batch <span class=math>B<sub>t</sub></span> of the training points at each step, so the loss jitters from step to step. With the full batch it is plain gradient descent and the loss falls smoothly. An epoch is one pass over the training set: small batches make many steps per epoch.",
    ],
    try: "While it trains, tick “Full batch”: the change applies live and the loss curve calms down.",
    config: {
      dataset: { name: "sine", n_points: 200, noise: 0.15, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 16, depth: 1, activation: "relu" },
      training: { optimizer: "sgd", learning_rate: 0.1, batch_size: 4, seed: 0 },
    },
  },
  {
    id: "bernoulli",
    title: "Binary classification with the Bernoulli likelihood",
    section: "Maximum likelihood · binary classification",
    text: [
      "For labels y ∈ {0, 1} the network predicts the parameter of a Bernoulli distribution: <span class=math>λ = sig[f[x, φ]]</span>, the probability that y = 1. Minimising the negative log-likelihood <span class=math>−(1−y) log(1−λ) − y log λ</span> is the binary cross-entropy loss.",
    ],
    try: "Raise the noise to blur the boundary: the probability curve becomes less steep.",
    config: {
      dataset: { name: "interval_1d", n_points: 120, noise: 0.05, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 6, depth: 1, activation: "relu" },
      training: { optimizer: "adam", learning_rate: 0.03, batch_size: null, seed: 0 },
    },
  },
  {
    id: "linear_regression",
    title: "Linear regression is a network with no hidden layer",
    section: "Introduction · linear regression",
    text: [
      "With no hidden layer the network is <span class=math>y = β<sub>0</sub> + β<sub>1</sub>x</span>. Gradient descent on the squared error reaches the same line as the closed-form least-squares solution <span class=math>β̂<sub>1</sub> = Σ(x<sub>i</sub>−x̄)(y<sub>i</sub>−ȳ) / Σ(x<sub>i</sub>−x̄)²</span>, <span class=math>β̂<sub>0</sub> = ȳ − β̂<sub>1</sub>x̄</span> (dashed green).",
    ],
    try: "Press Play and watch the black line settle onto the green one; then add a hidden layer.",
    view: { baseline: true },
    config: {
      dataset: { name: "noisy_line", n_points: 80, noise: 0.2, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 8, depth: 0, activation: "relu" },
      training: { optimizer: "sgd", learning_rate: 0.1, batch_size: null, seed: 0 },
    },
  },
  {
    id: "plane",
    title: "Two inputs: the network cuts the plane into regions",
    section: "Shallow networks · multiple inputs",
    text: [
      "With two inputs each unit <span class=math>h<sub>d</sub> = a[θ<sub>d0</sub> + θ<sub>d1</sub>x<sub>1</sub> + θ<sub>d2</sub>x<sub>2</sub>]</span> bends along a line across the plane. Those lines cut the plane into convex linear regions; the decision boundary (black) is made of straight pieces.",
    ],
    try: "Tick “linear regions” to colour the plane by activation pattern.",
    config: {
      dataset: { name: "circle", n_points: 200, noise: 0.1, train_fraction: 0.8, seed: 0 },
      model: { hidden_units: 8, depth: 1, activation: "relu" },
      training: { optimizer: "adam", learning_rate: 0.03, batch_size: null, seed: 0 },
    },
  },
];

/** The lesson after `id` (the first one after free play or the last lesson). */
export function nextLesson(id) {
  const index = LESSONS.findIndex((lesson) => lesson.id === id);
  return LESSONS[(index + 1) % LESSONS.length];
}

export function findLesson(id) {
  return LESSONS.find((lesson) => lesson.id === id) ?? null;
}

/** Fill the lesson <select> (with a "free play" entry for settings of one's own). */
export function fillLessonSelect(select) {
  const free = new Option("Free play (your own settings)", "");
  select.replaceChildren(free, ...LESSONS.map((l, i) => new Option(`${i + 1}. ${l.title}`, l.id)));
}

/** Show a lesson (or the free-play text) in the lesson card. */
export function renderLesson(card, lesson) {
  card.querySelector("#lesson-title").textContent = lesson ? lesson.title : "Free play";
  card.querySelector("#lesson-section").textContent = lesson ? lesson.section : "";
  const text = card.querySelector("#lesson-text");
  const paragraphs = lesson ? lesson.text : [
    "Choose a dataset and a network, press Play, and watch it learn. Every setting is in the address bar: copy the link to share this exact run, seeds included.",
  ];
  text.innerHTML = paragraphs.map((p) => `<p>${p}</p>`).join(""); // authored text above, not user input
  card.querySelector("#lesson-try").textContent = lesson?.try ?? "";
}
