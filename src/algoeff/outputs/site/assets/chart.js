// Draws each chart of the page from its JSON island; loads nothing remote.
// The figure (data, layout, config) is built by algoeff/outputs/site/chart.py, log axis
// included (decade labels, unlabelled minor ticks); this script hands it to Plotly and
// opens a point's entry page on a click (the href is the point's last customdata item).
(function () {
  "use strict";
  // Only a relative link inside the site: no scheme, no host, no way up past the root's
  // parent and nothing but path characters (the ids are path-safe by the schema).
  var SAFE_HREF = /^(\.\.\/)*entries\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/index\.html$/;

  function entryHref(point) {
    var data = point && point.customdata;
    if (!data || !data.length) {
      return null;
    }
    var href = data[data.length - 1];
    return typeof href === "string" && SAFE_HREF.test(href) ? href : null;
  }

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
      target.on("plotly_click", function (event) {
        var href = event && event.points && entryHref(event.points[0]);
        if (href) {
          window.location.href = href;
        }
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
