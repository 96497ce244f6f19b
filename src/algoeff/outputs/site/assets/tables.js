// Sortable tables and the tier filter, without a framework; loads nothing remote.
// - table.sortable: each column header becomes a button; a click sorts the rows by that
//   column (a cell's data-sort key when it has one, else its text), again to reverse.
//   Numbers sort as numbers; empty keys and dashes go last either way.
// - .tier-filter: one checkbox per verification tier; rows (tr[data-tier]) of an
//   unticked tier are hidden in every table of the page.
// Without JavaScript the tables are complete and in their built order.
(function () {
  "use strict";

  function key(row, column) {
    var cell = row.children[column];
    if (!cell) {
      return "";
    }
    var sort = cell.getAttribute("data-sort");
    return (sort === null ? cell.textContent : sort).trim();
  }

  function missing(value) {
    return value === "" || value === "\u2014";
  }

  function compare(a, b) {
    var x = Number(a);
    var y = Number(b);
    if (!isNaN(x) && !isNaN(y)) {
      return x - y;
    }
    return a.localeCompare(b);
  }

  function sortBy(table, column, header) {
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, index) {
      return { row: row, key: key(row, column), index: index };
    });
    keyed.sort(function (p, q) {
      var pm = missing(p.key);
      var qm = missing(q.key);
      if (pm || qm) {
        return pm === qm ? p.index - q.index : pm ? 1 : -1;
      }
      var order = compare(p.key, q.key);
      return (ascending ? order : -order) || p.index - q.index;
    });
    keyed.forEach(function (item) {
      body.appendChild(item.row);
    });
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) {
      headers[i].removeAttribute("aria-sort");
    }
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length) {
      return;
    }
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = "Sort by this column";
      // The header's text goes into the button; a link explaining the column stays beside it.
      var label = header.querySelector("a");
      button.textContent = header.textContent;
      if (label) {
        label.textContent = "?";
        label.className = "how";
        label.setAttribute("aria-label", "How " + button.textContent + " is computed");
        header.textContent = "";
        header.appendChild(button);
        header.appendChild(document.createTextNode(" "));
        header.appendChild(label);
      } else {
        header.textContent = "";
        header.appendChild(button);
      }
      button.addEventListener("click", function () {
        sortBy(table, column, header);
      });
    });
  }

  function applyFilter(filter) {
    var shown = {};
    var boxes = filter.querySelectorAll('input[name="tier"]');
    Array.prototype.forEach.call(boxes, function (box) {
      shown[box.value] = box.checked;
    });
    var rows = document.querySelectorAll("tr[data-tier]");
    var visible = 0;
    var total = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var show = shown[row.getAttribute("data-tier")] !== false;
      row.hidden = !show;
      if (row.closest("table") === rows[rows.length - 1].closest("table")) {
        total += 1;
        visible += show ? 1 : 0;
      }
    });
    var status = filter.querySelector(".filter-status");
    if (status) {
      status.textContent = "Showing " + visible + " of " + total + " entries.";
    }
  }

  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll(".tier-filter"), function (filter) {
      filter.hidden = false;
      filter.addEventListener("change", function () {
        applyFilter(filter);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
