// `tonus desk` in Chromium with a fake camera: the desk page served on this computer without a
// clinic server or a login, watching the person (drawn from the video element, as browsers
// without MediaStreamTrackProcessor do), with a break exercise from the saved report, and the day's totals
// saved to this computer's file:
//   node desk-local.mjs <base-url> <camera.y4m>
// Run by crates/web/tests/wasm_browser.rs, which then reads the file.

import { withCamera } from "./desk-client.mjs";
import { check, finish } from "./checks.mjs";

const [base, camera] = process.argv.slice(2);
const { browser, page, errors } = await withCamera(base, camera);
try {
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  // As in a browser without MediaStreamTrackProcessor (Firefox, Safari): the page draws from
  // its hidden video element instead (desk.mjs covers the processor's path).
  await page.addInitScript(() => {
    globalThis.__tonusDeskSpeed = 600;
    delete globalThis.MediaStreamTrackProcessor;
  });
  await page.goto(`${base}/`);
  check(new URL(page.url()).pathname === "/desk", "the start page is the desk page, with no login");
  check(/kept on this computer/.test(await page.locator("#desk").innerText()), "it says the totals stay on this computer");
  await page.click("#start");
  await page.waitForFunction(() => document.getElementById("desk").dataset.state === "watching", null, { timeout: 60000 });
  check(true, "the camera is calibrated and the page watches");
  const frames = await page.locator("#desk").getAttribute("data-frames");
  check(frames === "video", `without the track processor, frames are drawn from the video element (${frames})`);
  await page.waitForSelector("#break:not([hidden])", { timeout: 30000 });
  check(Boolean(await page.locator("#break-exercise").getAttribute("data-exercise")), "a break brings an exercise of the saved report's plan");
  await page.click("#done");
  // The page also saved the (empty) day when it opened: wait for this save, with the exercise.
  const [saved] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/desk/days") && /"exercises_done":1/.test(r.request().postData() || ""), { timeout: 10000 }),
    page.click("#send"),
  ]);
  await page.waitForFunction(() => document.getElementById("sent").textContent.startsWith("Saved on this computer"), null, { timeout: 10000 });
  check(saved.ok(), `the day's totals, with the exercise, are saved on this computer (${saved.status()})`);
  check(requests.every((u) => u.startsWith(base)), "every request went to this computer's Tonus");
  check(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
} finally {
  await browser.close();
}
finish();
