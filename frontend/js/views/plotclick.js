// Turns a click anywhere inside a Plotly plot area into data coordinates (Plotly's own click event
// only fires on drawn points). Used by the 1-D and 2-D views for adding custom points.

/**
 * Call handler({x, y, pixelDistance}) when the plot area of `element` is clicked. pixelDistance(x, y)
 * tells how far a data point lies from the click on screen, to pick a point to remove.
 */
export function onPlotAreaClick(element, handler) {
  element.addEventListener("click", (event) => {
    const layout = element._fullLayout;
    if (!layout || !layout.xaxis || !layout.yaxis) return;
    const xa = layout.xaxis;
    const ya = layout.yaxis;
    const rect = element.getBoundingClientRect();
    // Offsets of each axis itself: a square (constrained) plane is narrower than the plot margins.
    const px = event.clientX - rect.left - xa._offset;
    const py = event.clientY - rect.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
    handler({
      x: xa.p2l(px),
      y: ya.p2l(py),
      pixelDistance: (x, y) => Math.hypot(xa.l2p(x) - px, ya.l2p(y) - py),
    });
  });
}
