// Draws each benchmark chart of the page from its JSON island; loads nothing remote.
// The figure (data, layout, config) is built by algoeff/outputs/site/chart.py, log axis
// included (decade labels, unlabelled minor ticks); this script only hands it to Plotly.
(function () {
  "use strict";
  function draw() {
    var islands = document.querySelectorAll('script[type="application/json"][data-chart]');
    for (var i = 0; i < islands.length; i++) {
      var island = islands[i];
      var target = document.getElementById(island.getAttribute("data-chart"));
      if (!target || typeof Plotly === "undefined") {
        continue;
      }
      var figure = JSON.parse(island.textContent);
      Plotly.newPlot(target, figure.data, figure.layout, figure.config);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
