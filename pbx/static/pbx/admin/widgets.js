/* The pbx admin's widgets (pbx/admin_widgets.py): the ordered multi-select, the live
   check of a field as it is typed, and the tag picker's suggestions. */
(function () {
  "use strict";

  function moveSelected(from, to) {
    Array.prototype.slice.call(from.selectedOptions).forEach(function (option) {
      to.appendChild(option);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".pbx-ordered-buttons button");
    if (button) {
      var widget = button.closest(".pbx-ordered");
      var available = widget.querySelector(".pbx-ordered-available");
      var chosen = widget.querySelector(".pbx-ordered-chosen");
      if (button.classList.contains("pbx-ordered-add")) {
        moveSelected(available, chosen);
      } else if (button.classList.contains("pbx-ordered-remove")) {
        moveSelected(chosen, available);
      } else if (button.classList.contains("pbx-ordered-up")) {
        Array.prototype.slice.call(chosen.selectedOptions).forEach(function (option) {
          var before = option.previousElementSibling;
          if (before && !before.selected) {
            chosen.insertBefore(option, before);
          }
        });
      } else if (button.classList.contains("pbx-ordered-down")) {
        Array.prototype.slice.call(chosen.selectedOptions).reverse().forEach(function (option) {
          var after = option.nextElementSibling;
          if (after && !after.selected) {
            chosen.insertBefore(after, option);
          }
        });
      }
      return;
    }
    var suggestion = event.target.closest(".pbx-tag-result");
    if (suggestion) {
      var holder = suggestion.closest(".pbx-tags");
      var input = holder.querySelector("input");
      var names = input.value.split(",").map(function (name) { return name.trim(); });
      names[names.length - 1] = suggestion.textContent;
      input.value = names.filter(Boolean).join(", ") + ", ";
      holder.querySelector(".pbx-tag-results").hidden = true;
      input.focus();
    }
  });

  // The chosen list is posted in its order: every option of it selected on submit.
  document.addEventListener("submit", function (event) {
    event.target.querySelectorAll(".pbx-ordered-chosen option").forEach(function (option) {
      option.selected = true;
    });
  });

  function getJson(url, params) {
    return fetch(url + "?" + new URLSearchParams(params).toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) { return response.json(); });
  }

  function tenantFor(input) {
    var select = document.getElementById("id_tenant");
    return select && select.tagName === "SELECT" ? select.value : input.getAttribute("data-tenant") || "";
  }

  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.hasAttribute("data-check-url")) {
      clearTimeout(timers.get(input));
      timers.set(input, setTimeout(function () {
        var asked = input.value;
        getJson(input.getAttribute("data-check-url"), {
          field: input.getAttribute("data-check-field"),
          value: asked
        }).then(function (answer) {
          if (input.value !== asked) {
            return;
          }
          var note = input.nextElementSibling;
          note.textContent = answer.valid ? "\u2713 " + answer.message : answer.message || answer.error.message;
          note.className = "pbx-pattern-check " + (answer.valid ? "pbx-ok" : "pbx-bad");
          input.setCustomValidity(answer.valid ? "" : note.textContent);
        });
      }, 150));
    } else if (input.hasAttribute("data-suggest-url")) {
      clearTimeout(timers.get(input));
      timers.set(input, setTimeout(function () {
        var typed = input.value.split(",").pop().trim();
        var list = input.parentNode.querySelector(".pbx-tag-results");
        getJson(input.getAttribute("data-suggest-url"), { tenant: tenantFor(input), q: typed }).then(function (answer) {
          list.textContent = "";
          (answer.results || []).forEach(function (name) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "pbx-tag-result";
            button.textContent = name;
            item.appendChild(button);
            list.appendChild(item);
          });
          list.hidden = !list.children.length;
        });
      }, 150));
    }
  });
})();
