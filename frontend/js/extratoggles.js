// The view toggles added for watching it learn and for projectors: loss against log step, test
// points shown, the 2-D predicted class, the 2-D joint lines, and the projector layout. Each is one
// ViewToggles.add; the layout toggle only sets body[data-projector] (the CSS does the rest).

/** views: {loss, fit1d, plane}; toggles: the page's ViewToggles. */
export function addViewToggles(toggles, { loss, fit1d, plane }) {
  toggles.add("logstep", { initial: false, show: (on) => loss.setLogStep(on) });
  toggles.add("test", { initial: true, show: (on) => { fit1d.setShowTest(on); plane.setShowTest(on); } });
  toggles.add("discrete", { initial: false, show: (on) => plane.setDiscrete(on), scoped: true });
  toggles.add("joints", { initial: false, show: (on) => plane.setJointLines(on), scoped: true });
  toggles.add("projector", { initial: false, show: projector });
}

function projector(on) {
  const body = document.body;
  const value = on ? "1" : "0";
  if (body.dataset.projector === value) return;
  body.dataset.projector = value;
  window.dispatchEvent(new Event("resize")); // responsive charts take their new sizes
}
