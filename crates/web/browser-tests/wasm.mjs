// The browser pose module as a page gets it: served by the real `tonus serve` at /wasm/ under
// the app's own Content-Security-Policy, loaded by Chromium, run on a camera-sized frame drawn
// from a real photo. Run by crates/web/tests/wasm_browser.rs:
//   node wasm.mjs <base-url> <photo>
// Checks that the module compiles under the CSP (script-src 'self' 'wasm-unsafe-eval'), finds
// the person, reads the frame through the webcam metrics, and that the page sent nothing but
// its own same-origin requests, none of them after the frame was analysed.

import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";
import { check, finish } from "./checks.mjs";

const [base, photo] = process.argv.slice(2);
if (!base || !photo) {
  console.error("usage: node wasm.mjs <base-url> <photo>");
  process.exit(2);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on("console", (msg) => { if (msg.type() === "error") errors.push(msg.text()); });
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("request", (req) => requests.push(req.url()));

  // Any page of the app carries its CSP; the login page needs no account.
  const response = await page.goto(`${base}/login`);
  check(/'wasm-unsafe-eval'/.test(response.headers()["content-security-policy"] ?? ""), "the app's CSP allows WebAssembly");
  const bytes = [...await readFile(photo)];
  const result = await page.evaluate(async (bytes) => {
    const { loadPose } = await import("/wasm/pose.mjs");
    const pose = await loadPose();
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)]));
    const canvas = new OffscreenCanvas(640, 480);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0, 640, 480);
    const frame = ctx.getImageData(0, 0, 640, 480);
    const before = performance.getEntriesByType("resource").length;
    const first = pose.track(frame);
    const second = pose.track(frame);
    pose.startCalibration();
    for (let i = 0; i < 5; i++) pose.track(frame);
    const baseline = pose.finishCalibration();
    const measured = pose.track(frame);
    return { loaded: pose.loaded, first, second, baseline, measured, requestsDuring: performance.getEntriesByType("resource").length - before };
  }, bytes);
  check(result.loaded.model === "blazepose-lite", `the module loaded the lite model (${JSON.stringify(result.loaded)})`);
  check(result.first.present && result.first.landmarks?.length === 33, "the person in the frame is found, with 33 landmarks");
  check(result.first.detector_ran && !result.second.detector_ran, "the second frame is tracked without the detector");
  check(result.first.quality.status === "readable", `the frame passes the quality gates (${JSON.stringify(result.first.quality)})`);
  check(result.baseline.frames === 5, "a baseline is calibrated from five frames");
  check(result.measured.drift.length === 5 && result.measured.drift.every((d) => d.beyond_real_change === false),
    "the same frame drifts by no more than noise from its own baseline");
  check(result.requestsDuring === 0, "analysing frames made no request at all");
  const foreign = requests.filter((url) => !url.startsWith(base));
  check(foreign.length === 0, `every request went to the app itself (${foreign.join(", ") || "none elsewhere"})`);
  check(requests.some((url) => url.endsWith("/wasm/tonus_pose.wasm")), "the module came from /wasm/tonus_pose.wasm");
  check(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
} finally {
  await browser.close();
}
finish();
