/* Draws each dashboard chart from the configuration the page renders with json_script
   (<canvas data-chart="id"> + <script id="id" type="application/json">). Without the chart
   library the tables still hold every figure, and the page says why there is no chart. */
(function () {
  "use strict";
  function draw() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    if (typeof window.Chart === "undefined") {
      document.querySelectorAll(".chart-missing").forEach(function (note) { note.hidden = false; });
      document.querySelectorAll("figure.chart").forEach(function (figure) { figure.hidden = true; });
      return;
    }
    canvases.forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      new window.Chart(canvas, JSON.parse(source.textContent));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
