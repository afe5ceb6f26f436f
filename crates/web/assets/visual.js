// Tonus visual pages (served from /assets, allowed by the CSP; no build step).
// - Landmark editor: drag the key points of a photo's SVG overlay (pointer events: mouse, pen,
//   touch; arrow keys when focused); the angles are recomputed live with the formulas of
//   crates/core/src/metrics.rs and the moved points go into the save form.
// - Body map: hovering, focusing or tapping a muscle shows its evidence trail in a panel.
// - Range inputs with data-output show their value.
(function () {
  "use strict";

  var GATES = { minVisibility: 0.5, maxSideSpread: 0.35, minFrontSpread: 0.45, maxLeanForward: 30, maxLeanBack: 15, minFacingGap: 0.05 };
  var NAMES = { 3: "left outer eye corner", 6: "right outer eye corner", 7: "left ear", 8: "right ear",
    11: "left shoulder", 12: "right shoulder", 23: "left hip", 24: "right hip" };

  function deg(rad) { return rad * 180 / Math.PI; }

  // The engine's metrics from normalised landmarks [[x, y, visibility], …] and the image size.
  // Returns {id: {value, detail} | {reason}}; mirrors tonus_core::metrics::compute. `given`:
  // whether the view was labelled (false: detected from the landmarks).
  function metrics(points, width, height, view, given) {
    var px = function (i) { return [points[i][0] * width, points[i][1] * height]; };
    var mid = function (a, b) { return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]; };
    var dist = function (a, b) { return Math.hypot(a[0] - b[0], a[1] - b[1]); };
    var torso = dist(mid(px(11), px(12)), mid(px(23), px(24)));
    var diag = Math.hypot(width, height);
    var spread = Math.abs(px(11)[0] - px(12)[0]) / Math.max(torso, 1e-9);
    var side = view === "side-left" || view === "side-right";
    var whole = null;
    if (torso < 0.02 * diag) {
      whole = "the torso is too small in the photo to measure";
    } else if (side && spread > GATES.maxSideSpread) {
      whole = "the body is rotated toward the camera; turn the person side-on";
    } else if (view === "front" && spread < GATES.minFrontSpread) {
      whole = "the body is turned sideways; face the camera squarely";
    }
    // Which way a side view faces: the nose ahead of the visible ears (metrics.rs `facing`).
    if (!whole && side && spread < 0.5) {
      var seen = function (i) {
        var p = points[i];
        return p[2] >= GATES.minVisibility && p[0] >= 0 && p[0] <= 1 && p[1] >= 0 && p[1] <= 1;
      };
      var ears = [7, 8].filter(seen).map(function (i) { return px(i)[0]; });
      var faces = null;
      if (seen(0) && ears.length) {
        var gap = (px(0)[0] - ears.reduce(function (a, b) { return a + b; }, 0) / ears.length) / Math.max(torso, 1e-9);
        if (Math.abs(gap) >= GATES.minFacingGap) { faces = gap < 0 ? "side-left" : "side-right"; }
      }
      // Unlabelled, the engine measures the side the face shows (after a drag too).
      if (given === false && faces) { view = faces; }
      if (given !== false && faces && faces !== view) {
        whole = "the person faces the other way from the view it is labelled; check the label";
      } else if (given === false && !faces) {
        whole = "the face does not show which way the person faces";
      }
    }
    function usable(list) {
      for (var k = 0; k < list.length; k++) {
        var p = points[list[k]];
        if (p[2] < GATES.minVisibility) { return "the " + NAMES[list[k]] + " is not visible enough"; }
        if (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1) { return "the " + NAMES[list[k]] + " lies outside the image"; }
      }
      return null;
    }
    var out = {};
    function put(id, need, f) {
      var reason = whole || usable(need);
      out[id] = reason ? { reason: reason } : f();
    }
    if (side) {
      var left = view === "side-left";
      var ear = left ? 7 : 8, eye = left ? 3 : 6, sh = left ? 11 : 12, hip = left ? 23 : 24;
      var facing = left ? -1 : 1;
      var fwd = function (a, b) { return facing * (a[0] - b[0]); };
      var up = function (a, b) { return b[1] - a[1]; };
      var e = px(ear), s = px(sh), h = px(hip), c = px(eye);
      // A trunk leaning beyond the gates makes every gravity-referenced side metric (all of
      // them, the trunk's own included) unreadable, as in the engine.
      var lean = null;
      if (!whole && !usable([sh, hip])) {
        var trunk = deg(Math.atan2(fwd(s, h), up(s, h)));
        if (trunk > GATES.maxLeanForward) {
          lean = "leaning forward " + trunk.toFixed(1) + "°; retake sitting upright";
        } else if (trunk < -GATES.maxLeanBack) {
          lean = "leaning back " + (-trunk).toFixed(1) + "°; retake sitting upright";
        }
      }
      if (lean) { whole = lean; }
      put("ear_shoulder_angle", [ear, sh], function () { return { value: deg(Math.atan2(up(e, s), fwd(e, s))) }; });
      put("sagittal_head_tilt", [ear, eye], function () { return { value: deg(Math.atan2(up(c, e), fwd(c, e))) }; });
      put("forward_head_distance", [ear, sh, hip], function () { return { value: fwd(e, s) / Math.max(dist(s, h), 1e-9) }; });
      put("shoulder_protraction", [ear, sh, hip], function () {
        if (Math.abs(e[1] - h[1]) < 1e-9) { return { reason: "the ear and hip are level" }; }
        var lineX = h[0] + (e[0] - h[0]) * (s[1] - h[1]) / (e[1] - h[1]);
        return { value: facing * (s[0] - lineX) / Math.max(dist(s, h), 1e-9) };
      });
      put("trunk_inclination", [sh, hip], function () { return { value: deg(Math.atan2(fwd(s, h), up(s, h))) }; });
    } else {
      var level = function (li, ri, part) {
        return function () {
          var l = px(li), r = px(ri);
          var angle = deg(Math.atan2(r[1] - l[1], Math.abs(l[0] - r[0])));
          var detail = Math.abs(angle) < 0.05 ? part + "s level" : (angle > 0 ? "left " + part + " higher" : "right " + part + " higher");
          return { value: Math.abs(angle), detail: detail };
        };
      };
      put("coronal_head_tilt", [7, 8], level(7, 8, "ear"));
      put("shoulder_height_asymmetry", [11, 12], level(11, 12, "shoulder"));
    }
    return out;
  }
  window.TonusMetrics = metrics;

  function fmt(id, m) {
    if (!m) { return "—"; }
    if (m.reason) { return "not measurable"; }
    var angle = /angle|tilt|inclination|asymmetry/.test(id);
    var text = angle ? m.value.toFixed(1) + "°" : m.value.toFixed(2);
    return m.detail ? text + " (" + m.detail + ")" : text;
  }

  function setupEditor(panel) {
    var svg = panel.querySelector("svg.lm-svg");
    var data = panel.querySelector("script.lm-data");
    if (!svg || !data) { return; }
    var original = JSON.parse(data.textContent);
    var points = original.map(function (p) { return p.slice(); });
    var width = Number(svg.dataset.width), height = Number(svg.dataset.height), view = svg.dataset.view;
    var given = svg.dataset.given !== "false";
    var form = panel.querySelector("form.lm-save");
    var moved = {};

    function render() {
      svg.querySelectorAll("circle.lm").forEach(function (c) {
        var i = Number(c.dataset.i), p = points[i];
        c.setAttribute("cx", (p[0] * width).toFixed(1));
        c.setAttribute("cy", (p[1] * height).toFixed(1));
        // A screen reader hears where the point is, and whether it was moved.
        c.setAttribute("aria-valuetext", Math.round(p[0] * 100) + "% across, " + Math.round(p[1] * 100) + "% down the photo" + (moved[i] ? ", moved" : ""));
      });
      svg.querySelectorAll("line.seg").forEach(function (l) {
        var a = points[Number(l.dataset.a)], b = points[Number(l.dataset.b)];
        l.setAttribute("x1", a[0] * width); l.setAttribute("y1", a[1] * height);
        l.setAttribute("x2", b[0] * width); l.setAttribute("y2", b[1] * height);
      });
      svg.querySelectorAll("line.ref").forEach(function (l) {
        var len = Math.max(width, height) / 100;
        if (l.dataset.h) {
          var p = points[Number(l.dataset.h)];
          l.setAttribute("x1", p[0] * width - 12 * len); l.setAttribute("x2", p[0] * width + 12 * len);
          l.setAttribute("y1", p[1] * height); l.setAttribute("y2", p[1] * height);
        } else {
          var q = points[Number(l.dataset.v)];
          l.setAttribute("x1", q[0] * width); l.setAttribute("x2", q[0] * width);
          l.setAttribute("y1", q[1] * height - 30 * len); l.setAttribute("y2", q[1] * height);
        }
      });
      var values = metrics(points, width, height, view, given);
      svg.querySelectorAll("text.angle").forEach(function (t) {
        var m = values[t.dataset.metric], at = points[Number(t.dataset.at)];
        var len = Math.max(width, height) / 100;
        t.setAttribute("x", at[0] * width + 2.5 * len);
        t.setAttribute("y", at[1] * height - Number(t.dataset.up || 1.5) * len);
        t.textContent = m && !m.reason ? t.dataset.name + " " + m.value.toFixed(1) + "°" : "";
      });
      panel.querySelectorAll("td.live").forEach(function (td) {
        var id = td.dataset.metric;
        td.textContent = fmt(id, values[id]);
        td.title = values[id] && values[id].reason ? values[id].reason : "";
        td.dataset.live = values[id] && !values[id].reason ? String(values[id].value) : "";
        var engine = td.dataset.engine;
        var changed = values[id] && !values[id].reason && engine !== "" && Math.abs(values[id].value - Number(engine)) > 0.005;
        td.classList.toggle("changed", Boolean(changed));
      });
      if (form) {
        var list = Object.keys(moved).map(function (i) {
          return { i: Number(i), x: points[i][0], y: points[i][1] };
        });
        form.querySelector("input[name=points]").value = JSON.stringify(list);
        form.querySelector("button[type=submit]").disabled = list.length === 0;
      }
    }

    function moveTo(i, x, y) {
      points[i][0] = Math.min(1, Math.max(0, x / width));
      points[i][1] = Math.min(1, Math.max(0, y / height));
      moved[i] = true;
      render();
    }

    var dragging = null;
    function toSvg(event) {
      var m = svg.getScreenCTM();
      if (!m) { return null; }
      var pt = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
      return [pt.x, pt.y];
    }
    svg.addEventListener("pointerdown", function (event) {
      var c = event.target instanceof Element && event.target.closest("circle.lm");
      if (!c) { return; }
      event.preventDefault();
      dragging = Number(c.dataset.i);
      c.classList.add("dragging");
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (dragging === null) { return; }
      var p = toSvg(event);
      if (p) { moveTo(dragging, p[0], p[1]); }
    });
    function stop(event) {
      if (dragging === null) { return; }
      svg.querySelectorAll("circle.dragging").forEach(function (c) { c.classList.remove("dragging"); });
      dragging = null;
      if (svg.hasPointerCapture(event.pointerId)) { svg.releasePointerCapture(event.pointerId); }
    }
    svg.addEventListener("pointerup", stop);
    svg.addEventListener("pointercancel", stop);
    svg.addEventListener("keydown", function (event) {
      var c = event.target instanceof Element && event.target.closest("circle.lm");
      var step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
      if (!c || !step) { return; }
      event.preventDefault();
      var i = Number(c.dataset.i), unit = Math.max(width, height) / (event.shiftKey ? 50 : 500);
      moveTo(i, points[i][0] * width + step[0] * unit, points[i][1] * height + step[1] * unit);
    });
    var reset = panel.querySelector("[data-lm-reset]");
    if (reset) {
      reset.addEventListener("click", function () {
        points = original.map(function (p) { return p.slice(); });
        moved = {};
        render();
      });
    }
    render();
  }

  function setupBodyMap(figure) {
    var panel = document.createElement("div");
    panel.className = "muscle-panel no-print";
    panel.setAttribute("aria-live", "polite");
    panel.innerHTML = "<p class=\"muted\">Hover over, focus or tap a muscle to see the evidence behind its state.</p>";
    figure.insertAdjacentElement("afterend", panel);
    var current = null;
    function show(g) {
      if (!g || g === current) { return; }
      current = g;
      figure.querySelectorAll("g.muscle.selected").forEach(function (x) { x.classList.remove("selected"); });
      g.classList.add("selected");
      var title = g.querySelector("title");
      var lines = (title ? title.textContent : "").split("\n");
      panel.textContent = "";
      var h = document.createElement("h3");
      h.textContent = lines[0];
      panel.appendChild(h);
      panel.dataset.muscle = g.dataset.muscle || "";
      var evidence = lines.slice(1).filter(function (l) { return l.trim() !== ""; });
      if (evidence.length === 0) {
        var none = document.createElement("p");
        none.className = "muted";
        none.textContent = "No rule fired for this muscle: there is no evidence either way.";
        panel.appendChild(none);
        return;
      }
      var ul = document.createElement("ul");
      evidence.forEach(function (l) {
        var li = document.createElement("li");
        li.textContent = l.replace(/^\s*•\s*/, "");
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }
    function pick(event) {
      var g = event.target instanceof Element && event.target.closest("g.muscle");
      if (g) { show(g); }
    }
    figure.addEventListener("pointerover", pick);
    figure.addEventListener("pointerdown", pick);
    figure.addEventListener("click", pick);
    figure.addEventListener("focusin", pick);
  }

  function init() {
    document.querySelectorAll(".photo-panel").forEach(setupEditor);
    document.querySelectorAll(".body-map-figure").forEach(setupBodyMap);
    document.addEventListener("input", function (event) {
      var input = event.target;
      if (input instanceof HTMLInputElement && input.dataset.output) {
        var out = document.getElementById(input.dataset.output);
        if (out) { out.textContent = input.value; }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
