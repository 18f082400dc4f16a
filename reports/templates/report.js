(function () {
  "use strict";
  // Filters and sorts the server-rendered rows. Reads its data from the JSON block (never
  // from HTML), writes only textContent, attributes and row order: no markup is built.
  var doc = document;
  doc.body.classList.remove("no-js");
  var raw = JSON.parse(doc.getElementById("credscope-data").textContent);
  // Rows arrive as arrays in raw.fields order; turn each into an object once.
  var data = raw.rows.map(function (values) {
    var d = {};
    raw.fields.forEach(function (name, k) { d[name] = values[k]; });
    return d;
  });
  var tbody = doc.getElementById("findings-body");
  var form = doc.getElementById("filters");
  var counter = doc.getElementById("visible-count");
  if (!tbody || !form) { return; }
  var rows = new Array(data.length);
  Array.prototype.forEach.call(tbody.rows, function (tr) { rows[+tr.dataset.i] = tr; });
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
  var pathInput = form.querySelector("input[data-filter=path]");
  var numeric = { severity: "severityRank", tier: "tierRank" };

  function apply() {
    var want = selects.map(function (s) { return [s.dataset.filter, s.value]; })
      .filter(function (p) { return p[1] !== ""; });
    var needle = pathInput.value.trim().toLowerCase();
    var shown = 0;
    for (var i = 0; i < data.length; i++) {
      var d = data[i], ok = true;
      for (var k = 0; k < want.length && ok; k++) { ok = d[want[k][0]] === want[k][1]; }
      if (ok && needle) { ok = d.path.toLowerCase().indexOf(needle) !== -1; }
      if (rows[i].hidden === ok) { rows[i].hidden = !ok; }
      if (ok) { shown++; }
    }
    counter.textContent = String(shown);
  }

  var timer = 0;
  form.addEventListener("change", apply);
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 80); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  function compare(key) {
    var field = numeric[key];
    if (field) { return function (a, b) { return data[a][field] - data[b][field]; }; }
    return function (a, b) {
      var x = data[a][key], y = data[b][key];
      return x < y ? -1 : x > y ? 1 : data[a].line - data[b].line;
    };
  }

  var heads = Array.prototype.slice.call(doc.querySelectorAll("#findings-table th[data-sort]"));
  heads.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.dataset.sort;
      // Ranked columns (severity, tier) start most dangerous first; text starts A to Z.
      var now = th.getAttribute("aria-sort");
      var asc = now ? now !== "ascending" : !numeric[key];
      var order = data.map(function (_, i) { return i; });
      var cmp = compare(key);
      order.sort(function (a, b) { return (asc ? cmp(a, b) : cmp(b, a)) || a - b; });
      // Reorder off-document: one layout afterwards instead of one invalidation per move.
      var table = tbody.parentNode, next = tbody.nextSibling;
      table.removeChild(tbody);
      order.forEach(function (i) { tbody.appendChild(rows[i]); });
      table.insertBefore(tbody, next);
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    });
  });

  // Occurrences beyond the first few of a finding are data in the page, listed on demand
  // (a history can hold one secret in thousands of blobs). Text only, no markup from data.
  var occurrences = null;
  doc.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-more]");
    if (!button) { return; }
    if (!occurrences) {
      occurrences = JSON.parse(doc.getElementById("credscope-occurrences").textContent);
    }
    var list = button.parentNode.querySelector("ul.occ");
    var frag = doc.createDocumentFragment();
    (occurrences.rows[button.dataset.more] || []).forEach(function (o) {
      var li = doc.createElement("li"), code = doc.createElement("code");
      code.textContent = occurrences.paths[o[0]] + ":" + o[1] + ":" + o[2] +
        (o[3] ? " [" + o[3] + "]" : "");
      li.appendChild(code);
      if (o[4]) { li.appendChild(doc.createTextNode(" @" + o[4])); }
      frag.appendChild(li);
    });
    list.appendChild(frag);
    button.parentNode.removeChild(button);
  });

  // Printing shows each visible finding expanded; the page goes back as it was afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(tbody.querySelectorAll("tr:not([hidden]) details"),
      function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
  apply();
}());
