/* Retail pages: small progressive enhancements. No inline scripts (CSP): data comes from
   <script type="application/json"> blocks written by Django's json_script. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var palette = { line: "#1f5fbf", bar: "rgba(18,122,62,0.45)", grid: "#e6e9ee" };

  var charts = {
    "product-history": function (canvas, data) {
      return new window.Chart(canvas, {
        data: {
          labels: data.days,
          datasets: [
            { type: "bar", label: "Units sold", data: data.units, backgroundColor: palette.bar, yAxisID: "units" },
            { type: "line", label: "On hand (close)", data: data.on_hand, borderColor: palette.line,
              pointRadius: 0, borderWidth: 2, stepped: true, yAxisID: "stock" }
          ]
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            x: { ticks: { maxTicksLimit: 8 }, grid: { display: false } },
            units: { position: "right", beginAtZero: true, grid: { display: false }, title: { display: true, text: "units/day" } },
            stock: { position: "left", beginAtZero: true, grid: { color: palette.grid }, title: { display: true, text: "on hand" } }
          }
        }
      });
    },
    "series": function (canvas, data) {
      // Generic: {labels: [...], series: [{label, data, type?}]}
      var colours = ["#1f5fbf", "#127a3e", "#b54708", "#6941c6", "#b42318", "#0e7090"];
      return new window.Chart(canvas, {
        type: data.type || "line",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (s, i) {
            return { label: s.label, data: s.data, type: s.type, borderColor: colours[i % colours.length],
                     backgroundColor: colours[i % colours.length], pointRadius: 0, borderWidth: 2 };
          })
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false,
                   interaction: { mode: "index", intersect: false },
                   scales: { y: { beginAtZero: true } } }
      });
    }
  };

  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      var data = readJSON(canvas.dataset.chart);
      var kind = canvas.dataset.kind || canvas.dataset.chart;
      var draw = charts[kind] || charts.series;
      if (data) { draw(canvas, data); canvas.dataset.drawn = "1"; }
    });
  }

  // Scan mode: keep the barcode field focused; Enter submits; after a swap refocus.
  function focusScan(root) {
    var field = root.querySelector("[data-scan-field]");
    if (field) { field.focus(); field.select && field.select(); }
  }

  // Buttons that ask before acting: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) { event.preventDefault(); }
  });

  // Check-all boxes: <input type="checkbox" data-check-all="name">.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (!all) return;
    document.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); focusScan(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); focusScan(document); });
  window.addEventListener("load", function () { drawCharts(document); });
})();
