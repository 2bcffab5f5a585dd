// Rows of the run list and the suite list open their page; the filter box hides the rows without its words.
document.querySelectorAll("tr.pv-row-link").forEach(function (row) {
  function open() { window.location.href = row.dataset.href; }
  row.addEventListener("click", open);
  row.addEventListener("keydown", function (event) { if (event.key === "Enter") { open(); } });
});
document.querySelectorAll("input.pv-table-filter").forEach(function (input) {
  var rows = document.getElementById(input.dataset.table).tBodies[0].rows;
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(rows, function (row) {
      var text = row.textContent.toLowerCase();
      row.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
    });
  });
});
