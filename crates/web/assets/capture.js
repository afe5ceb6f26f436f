// The camera page of an assessment draft (/assessments/ID/capture): the device's camera with a
// framing guide for the chosen view; a photo taken is shown still, retaken or kept. Keeping
// it puts the JPEG into the page's ordinary upload form and submits it, so the photo is saved
// (and its landmarks found) exactly as an uploaded file is, and any problem is named on the
// draft's page. Nothing leaves the page until "Keep this photo".
(function () {
  "use strict";
  var root = document.querySelector("[data-capture]");
  if (!root) { return; }
  var video = document.getElementById("capture-video");
  var still = document.getElementById("capture-still");
  var status = root.querySelector("[data-capture-status]");
  var form = root.querySelector("[data-capture-form]");
  var start = root.querySelector("[data-capture-start]");
  var take = root.querySelector("[data-capture-take]");
  var retake = root.querySelector("[data-capture-retake]");
  var keep = root.querySelector("[data-capture-keep]");
  var stream = null;

  function view() {
    var checked = root.querySelector("input[name=capture-view]:checked");
    return checked ? checked.value : "side-left";
  }
  function showGuide() {
    var side = view().indexOf("side") === 0;
    // SVG elements have no `hidden` property: the attribute is set (the style sheet hides it).
    root.querySelectorAll("[data-guide]").forEach(function (g) {
      if ((g.getAttribute("data-guide") === "side") === side) { g.removeAttribute("hidden"); } else { g.setAttribute("hidden", ""); }
    });
    var figure = root.querySelector("[data-guide-figure]");
    if (view() === "side-left") { figure.setAttribute("transform", "matrix(-1 0 0 1 400 0)"); } else { figure.removeAttribute("transform"); }
    form.elements.view.value = view();
  }
  function live(on) {
    video.hidden = !on; still.hidden = on;
    take.hidden = !on || !stream; retake.hidden = on; keep.hidden = on;
  }
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
  }
  root.addEventListener("change", function (event) {
    if (event.target.name === "capture-view") { showGuide(); }
  });
  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = "This browser gives no camera to this page (it needs HTTPS or this computer). Upload photos on the draft instead.";
      return;
    }
    status.textContent = "Starting the camera…";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        start.hidden = true;
        live(true);
        take.focus();
        status.textContent = "Line the client up with the guide, then take the photo.";
      }, function (e) {
        status.textContent = "No camera: " + e.message + ". Upload photos on the draft instead.";
      });
  });
  take.addEventListener("click", function () {
    if (!video.videoWidth) { status.textContent = "The camera has no picture yet; try again in a moment."; return; }
    still.width = video.videoWidth;
    still.height = video.videoHeight;
    still.getContext("2d").drawImage(video, 0, 0);
    live(false);
    keep.focus();
    status.textContent = "Keep this photo, or retake it.";
    root.setAttribute("data-state", "taken");
  });
  retake.addEventListener("click", function () {
    live(true);
    take.focus();
    status.textContent = "Line the client up with the guide, then take the photo.";
    root.setAttribute("data-state", "live");
  });
  form.addEventListener("submit", function (event) {
    if (form.elements.file.files.length) { return; }
    event.preventDefault();
    keep.disabled = true;
    still.toBlob(function (blob) {
      if (!blob) {
        keep.disabled = false;
        status.textContent = "The photo could not be made into a JPEG; take it again.";
        return;
      }
      var stamp = new Date().toISOString().replace(/[:.]/g, "-");
      var files = new DataTransfer();
      files.items.add(new File([blob], "camera-" + view() + "-" + stamp + ".jpg", { type: "image/jpeg" }));
      form.elements.file.files = files.files;
      status.textContent = "Saving the photo…";
      stop();
      form.submit();
    }, "image/jpeg", 0.92);
  });
  window.addEventListener("pagehide", stop);
  showGuide();
})();
