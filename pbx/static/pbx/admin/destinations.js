/* Destinations by name (pbx/admin_destinations.py): add, remove and reorder the rows
   of each slot, and find a row's target by searching its name. The id picked is kept
   in the row's hidden input; typing in the search box again forgets it, so what is
   posted is always something the search offered (the server checks it anyway). */
(function () {
  "use strict";

  function needsId(row) {
    var select = row.querySelector(".pbx-dest-type");
    var option = select.options[select.selectedIndex];
    return !option || option.getAttribute("data-needs-id") === "1";
  }

  function showPicker(row) {
    row.querySelector(".pbx-dest-picker").hidden = !needsId(row);
  }

  function tenantOf(widget) {
    var select = document.getElementById("id_tenant");
    if (select && select.tagName === "SELECT") {
      return select.value;
    }
    return widget.getAttribute("data-tenant") || "";
  }

  function closeResults(row) {
    var list = row.querySelector(".pbx-dest-results");
    list.hidden = true;
    list.textContent = "";
  }

  function search(widget, row) {
    var input = row.querySelector(".pbx-dest-search");
    var list = row.querySelector(".pbx-dest-results");
    var params = new URLSearchParams({
      type: row.querySelector(".pbx-dest-type").value,
      tenant: tenantOf(widget),
      q: input.value
    });
    var asked = input.value;
    fetch(widget.getAttribute("data-search-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (input.value !== asked) {
          return; // a newer search is on its way
        }
        list.textContent = "";
        var results = answer.results || [];
        if (answer.error) {
          var error = document.createElement("li");
          error.className = "pbx-dest-none";
          error.textContent = answer.error.message;
          list.appendChild(error);
        } else if (!results.length) {
          var none = document.createElement("li");
          none.className = "pbx-dest-none";
          none.textContent = "Nothing of that name.";
          list.appendChild(none);
        }
        results.forEach(function (result) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "pbx-dest-result";
          button.setAttribute("data-id", result.id);
          button.textContent = result.label;
          item.appendChild(button);
          list.appendChild(item);
        });
        list.hidden = false;
      });
  }

  function rowOf(element) {
    return element.closest(".pbx-dest-row");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var widget = target.closest(".pbx-destinations");
    if (!widget) {
      return;
    }
    if (target.classList.contains("pbx-dest-add")) {
      var cell = target.closest("td");
      var template = cell.querySelector("template.pbx-dest-template");
      var row = template.content.querySelector(".pbx-dest-row").cloneNode(true);
      cell.querySelector(".pbx-dest-rows").appendChild(row);
      target.closest(".pbx-slot").classList.remove("pbx-slot-empty");
      showPicker(row);
      (needsId(row) ? row.querySelector(".pbx-dest-search") : row.querySelector(".pbx-dest-type")).focus();
    } else if (target.classList.contains("pbx-dest-remove")) {
      rowOf(target).remove();
    } else if (target.classList.contains("pbx-dest-up")) {
      var up = rowOf(target);
      if (up.previousElementSibling) {
        up.parentNode.insertBefore(up, up.previousElementSibling);
      }
    } else if (target.classList.contains("pbx-dest-down")) {
      var down = rowOf(target);
      if (down.nextElementSibling) {
        down.parentNode.insertBefore(down.nextElementSibling, down);
      }
    } else if (target.classList.contains("pbx-dest-result")) {
      var picked = rowOf(target);
      picked.querySelector(".pbx-dest-id").value = target.getAttribute("data-id");
      picked.querySelector(".pbx-dest-search").value = target.textContent;
      picked.querySelector(".pbx-dest-search").classList.add("pbx-picked");
      closeResults(picked);
    }
  });

  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList.contains("pbx-dest-search")) {
      return;
    }
    var row = rowOf(input);
    row.querySelector(".pbx-dest-id").value = "";
    input.classList.remove("pbx-picked");
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(function () { search(input.closest(".pbx-destinations"), row); }, 200));
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("pbx-dest-search") && !input.value) {
      search(input.closest(".pbx-destinations"), rowOf(input));
    }
  });

  document.addEventListener("change", function (event) {
    if (!event.target.classList.contains("pbx-dest-type")) {
      return;
    }
    var row = rowOf(event.target);
    row.querySelector(".pbx-dest-id").value = "";
    row.querySelector(".pbx-dest-search").value = "";
    row.querySelector(".pbx-dest-search").classList.remove("pbx-picked");
    closeResults(row);
    showPicker(row);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".pbx-destinations .pbx-dest-rows .pbx-dest-row").forEach(showPicker);
  });
})();
