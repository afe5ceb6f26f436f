// Tonus clinic app: the little script the pages use (served from /assets, allowed by the CSP).
// - [data-print] buttons print the page; [data-copy] buttons copy a link;
// - inputs with data-min/data-max get an immediate range hint; the server still validates;
// - the assessment form's body chart fills its pain rows;
// - the login page drops the desk page's offline copy.
(function () {
  "use strict";
  // The login page is only ever shown to nobody logged in: the desk page's offline copy (the
  // last client's name and plan) goes with the session.
  if (document.querySelector("form[action='/login']") && window.caches) {
    window.caches.delete("tonus-desk-v1");
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.closest("[data-print]")) {
      window.print();
    }
    // [data-copy="#input"] copies that input's text and says so beside the button.
    var copy = target instanceof Element ? target.closest("[data-copy]") : null;
    if (copy) {
      var input = document.querySelector(copy.getAttribute("data-copy"));
      var status = copy.parentElement.querySelector("[data-copy-status]");
      var done = function (ok) { if (status) { status.textContent = ok ? "Copied." : "Select the link and copy it."; } };
      if (input && navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () { input.select(); done(false); });
      } else if (input) {
        input.select();
        done(document.execCommand && document.execCommand("copy"));
      }
    }
  });
  // A red-flag category's "None of these" answers no to each of its questions and folds them;
  // a yes to any of them unticks it. Without the script the server does the same.
  function noneOfThese(box) {
    var fieldset = box.closest("fieldset");
    var items = fieldset.querySelector(".rf-items");
    if (box.checked) {
      fieldset.querySelectorAll(".rf-items input[type=radio][value=no]").forEach(function (radio) {
        var yes = fieldset.querySelector("input[type=radio][name='" + radio.name + "']:not([value=no]):checked");
        if (!yes) { radio.checked = true; }
      });
    }
    if (items) { items.hidden = box.checked; }
  }
  document.querySelectorAll("[data-none-of-these]").forEach(noneOfThese);
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-none-of-these")) {
      noneOfThese(target);
      return;
    }
    if (target instanceof HTMLInputElement && target.type === "radio" && (target.value === "yes" || target.value === "long_standing")) {
      var box = target.closest("fieldset.yesno") && target.closest(".rf-items") && target.closest(".rf-items").parentElement.querySelector("[data-none-of-these]");
      if (box && box.checked) { box.checked = false; noneOfThese(box); }
    }
  });
  // The body chart of the pain rows: a region pressed goes into the next empty row with its
  // side (the other side of a region already in makes it "both"); pressed again it comes out.
  // The rows' selects hold the answer; the chart shows what they hold.
  var chart = document.querySelector("[data-body-chart]");
  if (chart) {
    // Shown only where this script runs: without it, its shapes would be buttons that do nothing.
    chart.hidden = false;
    var fieldset = chart.closest("fieldset");
    var status = chart.querySelector("[data-chart-status]");
    var rows = function () {
      return Array.prototype.map.call(fieldset.querySelectorAll("select[name$='].region']"), function (region) {
        var prefix = region.name.slice(0, -"region".length);
        return { region: region, side: fieldset.querySelector("[name='" + prefix + "side']"), intensity: fieldset.querySelector("[name='" + prefix + "intensity']") };
      });
    };
    var holds = function (row, shape) {
      var side = shape.getAttribute("data-side");
      return row.region.value === shape.getAttribute("data-region") && (side === "centre" || row.side.value === side || row.side.value === "both");
    };
    var refresh = function () {
      var all = rows();
      chart.querySelectorAll(".chart-region").forEach(function (shape) {
        shape.setAttribute("aria-pressed", String(all.some(function (row) { return holds(row, shape); })));
      });
    };
    var press = function (shape) {
      var region = shape.getAttribute("data-region"), side = shape.getAttribute("data-side");
      var label = shape.getAttribute("aria-label");
      var all = rows();
      var row = all.find(function (r) { return r.region.value === region; });
      var n = row ? all.indexOf(row) + 1 : 0;
      if (row && holds(row, shape)) {
        if (side !== "centre" && row.side.value === "both") {
          row.side.value = side === "left" ? "right" : "left";
        } else {
          row.region.value = ""; row.side.value = "both"; row.intensity.value = "";
        }
        status.textContent = label + ": taken out of pain row " + n + ".";
      } else if (row) {
        row.side.value = "both";
        status.textContent = label + ": pain row " + n + " is now both sides.";
      } else {
        row = all.find(function (r) { return !r.region.value; });
        if (!row) { status.textContent = "All " + all.length + " pain rows are in use: empty one first."; return; }
        row.region.value = region; row.side.value = side;
        status.textContent = label + ": in pain row " + (all.indexOf(row) + 1) + "; give its intensity.";
      }
      refresh();
    };
    chart.addEventListener("click", function (event) {
      var shape = event.target instanceof Element ? event.target.closest(".chart-region") : null;
      if (shape) { press(shape); }
    });
    chart.addEventListener("keydown", function (event) {
      var shape = event.target instanceof Element ? event.target.closest(".chart-region") : null;
      if (shape && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); press(shape); }
    });
    fieldset.addEventListener("change", refresh);
    refresh();
  }
  // A file input with data-max-bytes: files over the server's limit for one upload are named
  // in place, with the limit, before anything is sent (the server refuses them too).
  function uploadProblem(input) {
    var max = Number(input.dataset.maxBytes), limit = input.dataset.limit;
    var mb = function (n) { return (n / 1048576).toFixed(1) + " MB"; };
    var files = Array.prototype.slice.call(input.files || []);
    var big = files.filter(function (f) { return f.size > max; });
    if (big.length) {
      return big.map(function (f) { return f.name + " is " + mb(f.size); }).join("; ") + ": larger than this server's limit of " + limit + ". Use a smaller photo (a phone's \"large\" size is plenty).";
    }
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    if (total > max) {
      return "These " + files.length + " photos come to " + mb(total) + ", over the limit of " + limit + " for one upload. Send them a few at a time.";
    }
    return "";
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.dataset.maxBytes) {
      var problem = uploadProblem(input);
      var slot = input.form && input.form.querySelector("[data-upload-error]");
      if (slot) { slot.textContent = problem; }
      if (problem) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    }
  });
  document.addEventListener("submit", function (event) {
    var input = event.target instanceof HTMLFormElement ? event.target.querySelector("input[type=file][data-max-bytes]") : null;
    var problem = input ? uploadProblem(input) : "";
    if (problem) {
      event.preventDefault();
      var slot = event.target.querySelector("[data-upload-error]");
      if (slot) { slot.textContent = problem; }
      input.focus();
    }
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.max) {
      return;
    }
    var hint = input.parentElement.querySelector(".live-error");
    if (!hint) {
      hint = document.createElement("p");
      hint.className = "field-error live-error";
      hint.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", hint);
    }
    var text = input.value.trim().replace(",", ".");
    var value = Number(text);
    var min = Number(input.dataset.min), max = Number(input.dataset.max);
    var message = "";
    if (text !== "" && (isNaN(value) || value < min || value > max)) {
      message = "Enter a number from " + min + " to " + max + ".";
    }
    hint.textContent = message;
    if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  });
})();
