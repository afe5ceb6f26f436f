// The desk companion in Chromium with a fake camera fed from a y4m file (a still, seated person):
//   node desk.mjs <base-url> <staff-login> <password> <camera.y4m>
// Run by crates/web/tests/wasm_browser.rs with the demo personas loaded. A practitioner gives
// the first client a login; the client opens /desk, starts the camera, calibrates, is seen at
// the desk with a readable posture and no drift, gets a break prompt with an exercise of their
// plan (the page's clock is sped up 600 times), may postpone it only twice, sends the day's
// totals (and nothing else), pauses (which releases the camera), opens offline from the
// service worker's cache, and the page made no request to anywhere while watching; the
// practitioner then sees the measured day on the client's page.

import { check, finish } from "./checks.mjs";
import { clientLogsIn, deskTestHooks, withCamera } from "./desk-client.mjs";

const [base, staff, password, camera] = process.argv.slice(2);
if (!base || !staff || !password || !camera) {
  console.error("usage: node desk.mjs <base-url> <staff-login> <password> <camera.y4m>");
  process.exit(2);
}
const clientPassword = "desk client password 1";

const { browser, context, page, errors } = await withCamera(base, camera);
try {

  // A practitioner gives the first demo client a login; the client logs in.
  const client = await clientLogsIn(page, base, staff, password, clientPassword);
  await page.addInitScript(deskTestHooks, 600);
  await page.goto(`${base}/desk`);
  check(await page.locator("#desk").getAttribute("data-state") === "off", "the desk page opens with the camera off");
  check(await page.locator("#camera-on").isHidden(), "no camera indicator while the camera is off");

  const requests = [];
  page.on("request", (req) => requests.push({ url: req.url(), at: Date.now() }));
  await page.click("#start");
  await page.waitForFunction(() => document.getElementById("desk").dataset.state === "calibrating", null, { timeout: 20000 });
  check(await page.locator("#camera-on").isVisible(), "the camera indicator shows while the camera is on");
  await page.waitForFunction(() => document.getElementById("desk").dataset.state === "watching", null, { timeout: 30000 });
  check(true, "calibration ends and the page watches");
  const watchingSince = Date.now();
  await page.waitForFunction(() => document.getElementById("presence").textContent === "At the desk", null, { timeout: 10000 });
  check(true, "the person in front of the camera is at the desk");
  await page.waitForFunction(() => document.getElementById("quality").textContent === "Posture readable", null, { timeout: 10000 });
  check(true, "their posture is readable");
  // Chromium: frames come through the track processor, their pixels copied straight out (no
  // canvas read back, whose shared buffers cost about 50 MB).
  const frames = await page.locator("#desk").getAttribute("data-frames");
  check(frames === "copied", `each frame's pixels are copied out of the camera frame (${frames})`);
  const drifts = await page.locator("[data-metric] .drift").allTextContents();
  check(drifts.some((d) => d !== "—"), `drift is shown against the baseline (${drifts.join(", ")})`);
  check(await page.evaluate(() => idb("kv", "baseline").then((b) => Boolean(b && b.shoulder_width_px))), "the baseline is kept in this browser (IndexedDB)");

  // 50 minutes of sitting at 600 times: five seconds.
  await page.waitForSelector("#break:not([hidden])", { timeout: 30000 });
  const exercise = await page.locator("#break-exercise").getAttribute("data-exercise");
  check(Boolean(exercise), `the break prompt shows an exercise of the plan (${exercise})`);
  check(await page.locator("#later").isVisible(), "a break can be postponed");
  for (let i = 0; i < 2; i++) {
    await page.click("#later");
    await page.waitForSelector("#break:not([hidden])", { timeout: 30000 });
  }
  check(await page.locator("#later").isHidden(), "after two postponements the prompt stays");
  await page.click("#done");
  check(await page.locator("#exercises-done").textContent() === "1", "confirming the exercise counts it");
  check((await page.locator("#breaks").textContent()).startsWith("1 taken"), "and counts the break");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: process.env.DESK_SCREENSHOT_390 || "/tmp/desk-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  const during = requests.filter((r) => r.at >= watchingSince);
  check(during.length === 0, `no request at all while watching (${during.map((r) => r.url).join(", ") || "none"})`);
  check(requests.every((r) => r.url.startsWith(base)), "every request went to the app itself");

  // Sending the day's totals: one request, with the totals and nothing else.
  const [sent] = await Promise.all([page.waitForRequest((r) => r.url().endsWith("/api/desk/days")), page.click("#send")]);
  const payload = JSON.parse(sent.postData());
  const keys = new Set(payload.days.flatMap((d) => Object.keys(d)));
  const allowed = ["day", "sitting_ms", "longest_bout_ms", "breaks_offered", "breaks_taken", "readable_ms", "within_ms", "nudges", "exercises_done"];
  check([...keys].every((k) => allowed.includes(k)), `only the day's totals are sent (${[...keys].join(", ")})`);
  check(payload.days.some((d) => d.exercises_done === 1), "the totals include the exercise done");
  await page.waitForFunction(() => document.getElementById("sent").textContent.startsWith("Your therapist has"), null, { timeout: 10000 });
  check(true, "the server took them");

  await page.click("[data-pause='30']");
  check(await page.locator("#desk").getAttribute("data-state") === "paused", "a pause is one click away");
  check(await page.locator("#camera-on").isHidden(), "pausing turns the camera off");
  check(await page.evaluate(() => document.getElementById("video").srcObject === null), "and releases it");
  check(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
  await page.screenshot({ path: process.env.DESK_SCREENSHOT || "/tmp/desk-1280.png", fullPage: true });

  // Offline after the first visit: the page and its module come from this browser's cache.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(async () => (await (await caches.open("tonus-desk-v1")).keys()).length >= 7, null, { timeout: 30000 });
  await context.setOffline(true);
  await page.reload();
  check(await page.locator("#desk").getAttribute("data-state") === "off", "offline, the desk page still opens, from this browser's cache");
  const offlineModel = await page.evaluate(async () => (await (await import("/wasm/pose.mjs")).loadPose()).loaded.model);
  check(offlineModel === "blazepose-lite", "and its pose module loads offline");
  const manifest = await page.evaluate(async () => (await (await fetch("/desk.webmanifest")).json()).start_url);
  check(manifest === "/desk", "the page is installable (its manifest starts at /desk)");
  await context.setOffline(false);

  // The therapist sees the measured day on the client's page.
  await Promise.all([page.waitForNavigation(), page.click("form[action='/logout'] button")]);
  await page.fill("#login", staff);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await page.goto(`${base}${client}`);
  const measured = await page.locator("table.desk-measured tbody tr").first().textContent().catch(() => "");
  check(/taken/.test(measured) && /\d+ (h|min)/.test(measured), `the therapist sees the measured day (${measured.replace(/\s+/g, " ").trim()})`);
  check(/Reported in the intake of/.test(await page.content()), "beside what the intake reported");
  await page.screenshot({ path: process.env.DESK_THERAPIST_SCREENSHOT || "/tmp/desk-therapist.png", fullPage: true });
} finally {
  await browser.close();
}
finish();
