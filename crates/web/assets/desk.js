// The desk companion (/desk): watches sitting time and posture through the client's webcam,
// in this page only, and prompts breaks with the client's own exercises.
//
// Every frame is drawn to a canvas, analysed by the pose module (/wasm/pose.mjs) and dropped:
// no frame, crop or landmark leaves the page (the app's CSP allows requests to this server only,
// and this script makes none while watching). The day's totals, the unsent days, the baseline
// and the working hours stay in this browser (IndexedDB, see `openStore`); only whole days'
// totals are sent, to the therapist's server or, under `tonus desk`, to this computer's own
// Tonus (see `send`).
//
// Settings come from the page (`data-desk`, from knowledge/webcam.toml [desk] and plan.toml
// [breaks]); nothing here is a threshold of its own.

import { loadPose } from "/wasm/pose.mjs";

const root = document.getElementById("desk");
const data = JSON.parse(root.dataset.desk);
const s = data.settings;
const $ = (id) => document.getElementById(id);
// Tests speed the clock up (window.__tonusDeskSpeed, set before this script runs); people never do.
const speed = Number(globalThis.__tonusDeskSpeed) || 1;
const started = performance.now();
const wall = Date.now();
const now = () => wall + (performance.now() - started) * speed;
const MIN = 60_000;
const local = data.sync === "local";

// ---------------------------------------------------------------- storage (IndexedDB)

function done(request) {
  return new Promise((ok, fail) => {
    request.onsuccess = () => ok(request.result);
    request.onerror = () => fail(request.error);
  });
}

// Two object stores: `days` (one record per date, the totals) and `kv` (the baseline, the
// working hours, the exercise rotation and which days the server has confirmed). Where a
// browser gives no IndexedDB (some private windows) the page still works and says that
// nothing is kept after it closes. The database is the page's own (`data.store`): one per
// account on a clinic server, so one client's days are never sent under another's login on
// a shared browser.
async function openStore() {
  try {
    const open = indexedDB.open(data.store, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("days", { keyPath: "date" });
      open.result.createObjectStore("kv");
    };
    const db = await done(open);
    const os = (name, mode) => db.transaction(name, mode).objectStore(name);
    return {
      kept: true,
      get: (key) => done(os("kv", "readonly").get(key)),
      set: (key, value) => done(os("kv", "readwrite").put(value, key)),
      remove: (key) => done(os("kv", "readwrite").delete(key)),
      days: () => done(os("days", "readonly").getAll()),
      putDay: (day) => done(os("days", "readwrite").put(day)),
      removeDay: (date) => done(os("days", "readwrite").delete(date)),
    };
  } catch {
    const kv = new Map();
    const days = new Map();
    return {
      kept: false,
      get: async (key) => kv.get(key),
      set: async (key, value) => void kv.set(key, value),
      remove: async (key) => void kv.delete(key),
      days: async () => [...days.values()],
      putDay: async (day) => void days.set(day.date, { ...day }),
      removeDay: async (date) => void days.delete(date),
    };
  }
}
const store = await openStore();
// Before one database per account, a clinic's desk page kept every client's days in one
// shared database; whose they were is unknown, so it goes rather than being sent as anyone's.
if (data.store !== "tonus-desk" && globalThis.indexedDB) indexedDB.deleteDatabase("tonus-desk");

const state = {
  mode: "off", // off | starting | calibrating | watching | paused | no-camera
  stream: null,
  pose: null,
  timer: null,
  pausedUntil: 0,
  hiddenSince: null,
  lastFrameAt: null,
  present: false,
  awaySince: null,
  boutStart: null, // when the current sitting bout began
  breakDueAt: null,
  postponed: 0,
  promptShown: false,
  exerciseIndex: Number((await store.get("exercise")) || 0),
  drift: {}, // metric -> { beyondSince }
  baseline: null, // the calibrated baseline in use (also kept in the store)
  lastNudgeAt: 0,
  calibrationEnds: 0,
};

// ---------------------------------------------------------------- the day's totals

// The local date (the client's day), not UTC's, `days` days from today.
const today = (days = 0) => {
  const d = new Date(now());
  d.setDate(d.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};
const FIELDS = ["sitting_ms", "longest_bout_ms", "breaks_offered", "breaks_taken", "readable_ms", "within_ms", "nudges", "exercises_done"];
const emptyDay = (date) => Object.fromEntries([["date", date], ...FIELDS.map((f) => [f, 0])]);
let day = (await store.days()).find((d) => d.date === today()) || emptyDay(today());
let dirty = false;
let persistedAt = 0;

// Writes the day to the store at most every 15 s (and at once when asked: a break, a pause,
// the page hidden), instead of on every frame.
async function persist(force) {
  if (!dirty || (!force && performance.now() - persistedAt < 15_000)) return;
  dirty = false;
  persistedAt = performance.now();
  await store.putDay({ ...day });
}

function saveDay(force) {
  if (day.date !== today()) {
    // Past midnight: yesterday is kept as it was, and a new day begins.
    dirty = true;
    persist(true);
    day = emptyDay(today());
  }
  dirty = true;
  persist(force);
  const minutes = (ms) => Math.round(ms / MIN);
  $("sitting").textContent = `${minutes(day.sitting_ms)} min`;
  $("longest").textContent = `${minutes(day.longest_bout_ms)} min`;
  $("breaks").textContent = `${day.breaks_taken} taken, ${day.breaks_offered} prompted`;
  $("within").textContent = day.readable_ms > 0 ? `${Math.round((100 * day.within_ms) / day.readable_ms)} %` : "—";
  $("exercises-done").textContent = String(day.exercises_done);
  $("nudges").textContent = String(day.nudges);
}

// ---------------------------------------------------------------- sending the totals

// Only whole days' totals go to the server (POST /api/desk/days), never a picture or a posture
// value. The server keeps each field's larger value, so sending a day again is harmless: every
// day still kept here is sent until the server has it, however long the page was offline.
async function send() {
  await persist(true);
  const days = (await store.days()).sort((a, b) => a.date.localeCompare(b.date));
  const sent = (await store.get("sent")) || {};
  const totals = (d) => Object.fromEntries([["day", d.date], ...FIELDS.map((f) => [f, Math.round(d[f] || 0)])]);
  // A day older than a year is none the server takes: it goes, unsent. The rest is sent oldest
  // first, 60 at a time, so a long offline stretch drains over a few sends.
  const oldest = today(-365);
  for (const d of days.filter((d) => d.date < oldest)) await store.removeDay(d.date);
  const unsent = days.filter((d) => d.date >= oldest && JSON.stringify(totals(d)) !== sent[d.date]).slice(0, 60);
  if (!unsent.length) return;
  const body = { days: unsent.map(totals) };
  try {
    const response = await fetch("/api/desk/days", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": root.dataset.csrf },
      body: JSON.stringify(body),
      keepalive: true,
    });
    if (!response.ok) throw new Error(`${response.status}`);
    for (const d of unsent) sent[d.date] = JSON.stringify(totals(d));
    // Keep two months here; older days are with the server, and only a day the server has
    // confirmed is ever dropped.
    const keep = new Set(days.map((d) => d.date).slice(-60));
    for (const d of days) if (!keep.has(d.date) && sent[d.date]) await store.removeDay(d.date);
    await store.set("sent", Object.fromEntries(Object.entries(sent).filter(([k]) => keep.has(k))));
    const at = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    $("sent").textContent = local ? `Saved on this computer at ${at}.` : `Your therapist has your totals up to ${at}.`;
  } catch {
    $("sent").textContent = local
      ? "Not saved yet (is tonus desk still running?); the totals are kept in this browser and saved later."
      : "Not sent yet (offline?); the totals are kept in this browser and sent later.";
  }
}
$("send").addEventListener("click", () => send());
// Real minutes, whatever the clock's speed: on opening, every ten minutes, and when the page
// is hidden or closed.
setInterval(send, 10 * 60_000);
document.addEventListener("visibilitychange", () => { if (document.hidden) send(); });
setInterval(() => persist(false), 15_000);
addEventListener("pagehide", () => persist(true));

// ---------------------------------------------------------------- camera

function setMode(mode, message) {
  state.mode = mode;
  root.dataset.state = mode;
  $("camera-on").hidden = !state.stream;
  if (message) $("status").textContent = message;
  $("start").hidden = ["starting", "calibrating", "watching", "paused"].includes(mode);
  $("no-camera").hidden = ["starting", "calibrating", "watching", "no-camera"].includes(mode);
  $("recalibrate").hidden = mode !== "watching";
  $("pause-controls").hidden = !["watching", "no-camera"].includes(mode);
  $("resume").hidden = mode !== "paused";
}

async function startCamera() {
  if (!withinHours()) {
    state.resumeTo = "camera";
    afterHours();
    return;
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    noCamera("This browser gives no camera to this page (it needs HTTPS). Breaks come by the clock instead.");
    return;
  }
  setMode("starting", "Starting the camera…");
  try {
    state.pose = state.pose || (await loadPose());
    // A few frames a second are plenty for postures that change over minutes, and a low camera
    // rate keeps the decoding cost down.
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: { ideal: 1, max: 5 } }, audio: false });
  } catch (e) {
    noCamera(`No camera: ${e.message}. Breaks come by the clock instead.`);
    return;
  }
  // Chromium hands the track's frames to a MediaStreamTrackProcessor that keeps only the
  // newest, and the page takes one when it wants it; browsers without it (Firefox, Safari)
  // keep the video element playing, hidden, and draw from it.
  state.capture = "MediaStreamTrackProcessor" in globalThis
    ? new MediaStreamTrackProcessor({ track: state.stream.getVideoTracks()[0], maxBufferSize: 1 }).readable.getReader()
    : null;
  for (const track of state.stream.getVideoTracks()) {
    // Another application took the camera, or it was unplugged: pause, do not nag.
    track.addEventListener("ended", () => {
      stopCamera();
      setMode("paused", "The camera stopped (another application may be using it). Press Resume when it is free.");
    });
  }
  const baseline = await store.get("baseline");
  if (baseline) {
    try {
      state.pose.setBaseline(baseline);
      state.baseline = baseline;
      watch();
      return;
    } catch {
      await store.remove("baseline");
    }
  }
  calibrate();
}

function stopCamera() {
  clearInterval(state.timer);
  state.timer = null;
  if (state.stream) for (const track of state.stream.getTracks()) track.stop();
  state.stream = null;
  state.capture?.cancel().catch(() => {});
  state.capture = null;
  $("video").srcObject = null;
  state.pose?.reset();
  $("camera-on").hidden = true;
}

// The picture shows only while calibrating, so the person can see they are in the frame; while
// watching no element plays the camera, which saves decoding and drawing it.
function showPicture(on) {
  const video = $("video");
  const playing = on || !state.capture;
  video.srcObject = playing ? state.stream : null;
  if (playing) video.play().catch(() => {});
}

// Frames are analysed at 640×480, the size the webcam metrics' noise was checked at in the
// browser test. (320×240 saved little: 7.2 against 6.6 % of a core for the whole page.)
const canvas = document.createElement("canvas");
canvas.width = 640;
canvas.height = 480;
const ctx = canvas.getContext("2d", { willReadFrequently: true });

// One camera frame as something a canvas can draw, and how to let it go.
async function grab() {
  if (state.capture) {
    const { value: frame, done } = await state.capture.read();
    if (done) throw new Error("the camera stopped");
    return { image: frame, done: () => frame.close() };
  }
  const video = $("video");
  if (video.readyState < 2) throw new Error("no frame yet");
  return { image: video, done: () => {} };
}

// The frame's pixels at 640×480 as RGBA. A camera frame of that size is copied straight out
// (`VideoFrame.copyTo`, converted on the CPU); anything else is scaled through the canvas.
// Reading a canvas back makes Chromium keep a 4 MB shared buffer per read in flight, about
// 50 MB in all while watching, against 1 MB for the copy.
const pixels = { width: canvas.width, height: canvas.height, data: new Uint8ClampedArray(canvas.width * canvas.height * 4) };
async function rgba(image) {
  if (typeof VideoFrame !== "undefined" && image instanceof VideoFrame && image.displayWidth === pixels.width && image.displayHeight === pixels.height && !state.noCopyTo) {
    try {
      await image.copyTo(pixels.data, { format: "RGBA", colorSpace: "srgb" });
      root.dataset.frames = "copied";
      return pixels;
    } catch {
      state.noCopyTo = true; // an older browser: the canvas from now on
    }
  }
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  root.dataset.frames = image instanceof HTMLVideoElement ? "video" : "canvas";
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function calibrate() {
  showPicture(true);
  state.pose.startCalibration();
  state.calibrationEnds = now() + s.calibration_seconds * 1000 * speed;
  setMode("calibrating", `Sit as you normally sit well, facing the screen, for ${s.calibration_seconds} seconds…`);
  run();
}

function watch() {
  showPicture(false);
  setMode("watching", "Watching. The camera picture stays in this page.");
  state.boutStart = state.boutStart ?? now();
  scheduleBreak();
  run();
}

function run() {
  clearInterval(state.timer);
  state.lastFrameAt = now();
  // Calibration takes its frames faster, for enough of them in its few seconds.
  const fps = state.mode === "calibrating" ? s.calibration_frames_per_second : s.frames_per_second;
  state.timer = setInterval(frame, 1000 / fps);
}

async function frame() {
  if (!state.stream || state.busy) return;
  state.busy = true;
  let image;
  try {
    const got = await grab();
    image = await rgba(got.image).finally(got.done);
  } catch {
    return;
  } finally {
    state.busy = false;
  }
  if (!state.stream) return;
  const t = now();
  const elapsed = Math.min(t - state.lastFrameAt, 5000 * speed);
  state.lastFrameAt = t;
  let report;
  try {
    report = state.pose.track(image);
  } catch (e) {
    $("status").textContent = `The frame could not be analysed: ${e.message}`;
    return;
  }
  if (state.mode === "calibrating") {
    $("status").textContent = `Calibrating… ${report.calibration_frames ?? 0} good frames`;
    if (t >= state.calibrationEnds) {
      try {
        const baseline = state.pose.finishCalibration();
        store.set("baseline", baseline);
        state.baseline = baseline;
        watch();
      } catch (e) {
        $("status").textContent = `${e.message}. Trying again…`;
        calibrate();
      }
    }
    return;
  }
  presence(report.present, t, elapsed);
  posture(report, t, elapsed);
  breaks(t);
  saveDay();
}

// ---------------------------------------------------------------- sitting and breaks

function presence(present, t, elapsed) {
  $("presence").textContent = present ? "At the desk" : "Away";
  if (present) {
    state.awaySince = null;
    if (state.boutStart === null) {
      // Back from a break: a new bout, and its own break time.
      state.boutStart = t;
      scheduleBreak();
    }
    day.sitting_ms += elapsed;
    day.longest_bout_ms = Math.max(day.longest_bout_ms, t - state.boutStart);
  } else {
    state.awaySince = state.awaySince ?? t;
    // Away long enough is a break even before they come back.
    if (t - state.awaySince >= s.away_break_min * MIN && state.boutStart !== null) takeBreak(false);
  }
}

function scheduleBreak() {
  state.breakDueAt = (state.boutStart ?? now()) + data.break_interval_min * MIN;
}

function breaks(t) {
  if (state.breakDueAt === null || state.promptShown || t < state.breakDueAt) return;
  state.promptShown = true;
  day.breaks_offered += 1;
  saveDay(true);
  const card = $("break");
  const ex = data.exercises.length ? data.exercises[state.exerciseIndex % data.exercises.length] : null;
  $("break-exercise").hidden = !ex;
  $("break-walk").hidden = !!ex;
  if (ex) {
    $("break-exercise").dataset.exercise = ex.id;
    $("break-name").textContent = ex.name;
    $("break-dosage").textContent = ex.dosage;
    $("break-instead").hidden = !ex.instead_of;
    $("break-instead").textContent = ex.instead_of ? `At your desk, in place of “${ex.instead_of}”, which needs lying down or equipment: do that one at home.` : "";
    const list = $("break-steps");
    list.replaceChildren(...ex.instructions.map((step) => Object.assign(document.createElement("li"), { textContent: step })));
  }
  $("later").hidden = state.postponed >= s.max_postpones;
  card.hidden = false;
  notify("Time for a break", ex ? `Stand up and do: ${ex.name}` : `Stand up and move for ${data.break_duration}.`);
}

function takeBreak(didExercise) {
  day.breaks_taken += 1;
  if (didExercise) {
    day.exercises_done += 1;
    state.exerciseIndex += 1;
    store.set("exercise", state.exerciseIndex);
  }
  state.promptShown = false;
  state.postponed = 0;
  $("break").hidden = true;
  state.boutStart = state.mode === "no-camera" ? now() : null;
  state.breakDueAt = null;
  if (state.mode === "no-camera") scheduleBreak();
  saveDay(true);
}

$("done").addEventListener("click", () => {
  takeBreak(true);
  if (state.mode === "watching") {
    state.boutStart = now();
    scheduleBreak();
  }
});
$("later").addEventListener("click", () => {
  state.postponed += 1;
  state.promptShown = false;
  state.breakDueAt = now() + s.postpone_min * MIN;
  $("break").hidden = true;
});

// ---------------------------------------------------------------- posture

// The camera or the seat moved: the shoulders' width in the frame is off the baseline's.
function moved(report, t) {
  const baseline = state.baseline;
  const width = report.geometry?.shoulder_width_px;
  if (!baseline || !width) return false;
  const off = Math.abs(width / baseline.shoulder_width_px - 1) > s.moved_fraction;
  state.movedSince = off ? (state.movedSince ?? t) : null;
  const isMoved = state.movedSince !== null && t - state.movedSince >= s.moved_seconds * 1000;
  $("moved").hidden = !isMoved;
  return isMoved;
}
$("moved-recalibrate").addEventListener("click", () => {
  $("moved").hidden = true;
  state.movedSince = null;
  store.remove("baseline");
  calibrate();
});

function posture(report, t, elapsed) {
  const quality = report.quality.status;
  // No nudges against a baseline the camera no longer matches.
  if (moved(report, t)) return;
  $("quality").textContent = quality === "readable" ? "Posture readable" : `Posture not readable: ${quality.replaceAll("_", " ")}`;
  if (quality !== "readable" || !report.drift.length) return;
  day.readable_ms += elapsed;
  let within = true;
  for (const d of report.drift) {
    const metric = data.metrics.find((m) => m.id === d.metric);
    const cell = document.querySelector(`[data-metric="${d.metric}"] .drift`);
    if (cell) cell.textContent = d.value === null ? "—" : `${d.value >= 0 ? "+" : ""}${d.value.toFixed(metric.unit === "°" ? 1 : 3)}`;
    if (d.value === null || !s.nudge_metrics.includes(d.metric)) continue;
    const track = (state.drift[d.metric] = state.drift[d.metric] || { beyondSince: null });
    // Only the positive direction nudges: the head lower, nearer the screen, the shoulders up
    // (sitting back further than at calibration is no reason to nag). Hysteresis: beyond the
    // threshold to start, below a fraction of it to end.
    if (d.value >= metric.real_change) track.beyondSince = track.beyondSince ?? t;
    else if (d.value < metric.real_change * s.release_fraction) track.beyondSince = null;
    if (track.beyondSince !== null) within = false;
    if (cell) cell.closest("tr").dataset.beyond = String(track.beyondSince !== null);
    if (track.beyondSince !== null && t - track.beyondSince >= s.sustained_seconds * 1000 && t - state.lastNudgeAt >= s.nudge_every_min * MIN) {
      nudge(metric);
      state.lastNudgeAt = t;
    }
  }
  if (within) day.within_ms += elapsed;
}

function nudge(metric) {
  day.nudges += 1;
  const words = metric.positive_means;
  $("nudge-text").textContent = `${metric.name}: ${words}. Sit back as you did at calibration.`;
  $("nudge").hidden = false;
  notify("Posture", `${metric.name}: ${words}.`);
}
$("nudge-close").addEventListener("click", () => ($("nudge").hidden = true));

function notify(title, body) {
  if (document.hidden && "Notification" in globalThis && Notification.permission === "granted") new Notification(title, { body });
}

// ---------------------------------------------------------------- not interrupting

// Working hours, kept in this browser: outside them the camera is off and nothing is counted.
const hours = (await store.get("hours")) || { from: "", to: "" };
$("hours-from").value = hours.from;
$("hours-to").value = hours.to;
for (const id of ["hours-from", "hours-to"]) {
  $(id).addEventListener("change", () => {
    hours.from = $("hours-from").value;
    hours.to = $("hours-to").value;
    store.set("hours", { ...hours });
    checkHours();
  });
}
function withinHours() {
  if (!hours.from || !hours.to) return true;
  const d = new Date(now());
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return hours.from <= hours.to ? hm >= hours.from && hm < hours.to : hm >= hours.from || hm < hours.to;
}
function afterHours() {
  stopCamera();
  state.pausedUntil = 0;
  state.afterHours = true;
  setMode("paused", `Outside your working hours (${hours.from}–${hours.to}): the camera is off until ${hours.from}, and nothing is counted.`);
  saveDay(true);
}
function checkHours() {
  if (!withinHours() && ["starting", "watching", "calibrating", "no-camera"].includes(state.mode)) {
    state.resumeTo = state.mode === "no-camera" ? "no-camera" : "camera";
    afterHours();
  } else if (withinHours() && state.afterHours && state.mode === "paused") {
    state.afterHours = false;
    resume();
  }
}
setInterval(checkHours, 5000);

function pause(minutes) {
  state.resumeTo = state.mode === "no-camera" ? "no-camera" : "camera";
  stopCamera();
  saveDay(true);
  state.pausedUntil = now() + minutes * MIN;
  setMode("paused", `Paused until ${new Date(state.pausedUntil).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}. The camera is off.`);
}
for (const button of document.querySelectorAll("[data-pause]")) button.addEventListener("click", () => pause(Number(button.dataset.pause)));
document.addEventListener("keydown", (e) => {
  if (e.key === "p" && !e.ctrlKey && !e.metaKey && !e.altKey && ["watching", "no-camera"].includes(state.mode)) pause(30);
});
$("resume").addEventListener("click", () => resume());
function resume() {
  state.pausedUntil = 0;
  state.afterHours = false;
  if (state.resumeTo === "no-camera") noCamera(noCameraMessage);
  else startCamera();
}
setInterval(() => {
  if (state.mode === "paused" && state.pausedUntil && now() >= state.pausedUntil) resume();
  // Without the camera nothing is measured: breaks come by the clock, and the day's totals
  // count only the prompts and breaks, never a sitting time that was not seen.
  if (state.mode === "no-camera") breaks(now());
}, 1000);

document.addEventListener("visibilitychange", () => {
  state.hiddenSince = document.hidden ? now() : null;
});
setInterval(() => {
  if (state.hiddenSince !== null && state.stream && now() - state.hiddenSince >= s.hidden_release_min * MIN) {
    stopCamera();
    setMode("paused", "The camera was released while this page was hidden. Press Resume to go on.");
  }
}, 5000);

function noCamera(message) {
  if (!withinHours()) {
    state.resumeTo = "no-camera";
    afterHours();
    return;
  }
  stopCamera();
  setMode("no-camera", message);
  state.boutStart = now();
  state.lastFrameAt = now();
  scheduleBreak();
}

$("start").addEventListener("click", () => {
  if ("Notification" in globalThis && Notification.permission === "default") Notification.requestPermission();
  startCamera();
});
const noCameraMessage = `Without the camera: a break every ${data.break_interval_min} minutes by the clock.`;
$("no-camera").addEventListener("click", () => noCamera(noCameraMessage));
$("recalibrate").addEventListener("click", () => {
  store.remove("baseline");
  calibrate();
});
// Offline after the first visit, and installable (see desk-sw.js).
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/desk-sw.js").catch(() => {});
setMode("off", "The camera is off. Start it to have your posture and sitting time watched in this page.");
saveDay();
send();
