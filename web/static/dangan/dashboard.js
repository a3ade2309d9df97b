/* Dashboard charts (Chart.js, vendored). The figures come from the page's
   <script type="application/json" id="chart-data"> block: data, never code. */
(function () {
  "use strict";

  var PALETTE = ["#8a1c1c", "#1f5f8b", "#2e7d4f", "#b7791f", "#6b46c1", "#0f766e", "#9d174d", "#4b5563"];

  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#1d2433";
    if (reduced) Chart.defaults.animation = false;

    var kinds = {
      grade: {type: "doughnut"},
      region: {type: "bar"},
      category: {type: "bar", indexAxis: "y"},
      months: {type: "bar"},
      complaints: {type: "doughnut", colors: ["#b45309", "#2e7d4f"]}
    };
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var key = canvas.getAttribute("data-chart");
      var series = data[key];
      var kind = kinds[key];
      if (!series || !kind) return;
      var colors = kind.colors || PALETTE;
      var round = kind.type === "doughnut";
      new Chart(canvas, {
        type: kind.type,
        data: {
          labels: series.labels,
          datasets: [{
            label: series.label || series.title,
            data: series.values,
            backgroundColor: round ? colors.slice(0, series.values.length) : colors[0],
            borderColor: round ? "#fff" : colors[0],
            maxBarThickness: 56
          }]
        },
        options: {
          maintainAspectRatio: false,
          indexAxis: kind.indexAxis || "x",
          plugins: {legend: {display: round, position: "bottom"}},
          scales: round ? {} : {
            x: {beginAtZero: true, ticks: {precision: 0}},
            y: {beginAtZero: true, ticks: {precision: 0}}
          }
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
