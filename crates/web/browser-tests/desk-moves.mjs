// The desk companion on a person who moves, in Chromium with fake cameras:
//   node desk-moves.mjs <base-url> <staff-login> <password> <moving.y4m> <slouch.y4m|-> <upright-seconds>
// Run by crates/web/tests/wasm_browser.rs with the demo personas loaded.
//
// 1. moving.y4m (made from a committed photo, looped: 12 s at the desk, 6 s away, 8 s further
//    from the camera), the page's clock 60 times faster: leaving the frame counts as a break
//    without a click; the camera or seat moving holds nudges and offers recalibration; working
//    hours that exclude now turn the camera off and back on; a day sent offline stays queued in
//    IndexedDB and goes when online.
// 2. slouch.y4m (real webcam frames from ../shared: upright head, then the worst poking chin),
//    the clock 2 times faster: no drift beyond its threshold and no nudge while upright; the
//    poking chin seen beyond the threshold within 60 s and nudged once it has lasted its minute.

import { check, finish } from "./checks.mjs";
import { clientLogsIn, deskTestHooks, withCamera } from "./desk-client.mjs";

const [base, staff, password, moving, slouch, uprightArg] = process.argv.slice(2);
if (!base || !staff || !password || !moving || !slouch || !uprightArg) {
  console.error("usage: node desk-moves.mjs <base-url> <staff-login> <password> <moving.y4m> <slouch.y4m|-> <upright-seconds>");
  process.exit(2);
}
const clientPassword = "desk moves password 1";
const state = (page) => page.locator("#desk").getAttribute("data-state");
const waitState = (page, s, timeout = 30000) =>
  page.waitForFunction((s) => document.getElementById("desk").dataset.state === s, s, { timeout });

async function launch(camera, speed) {
  const { browser, context, page, errors } = await withCamera(base, camera);
  await page.addInitScript(deskTestHooks, speed);
  return { browser, context, page, errors };
}

const hm = (date) => `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
const hours = (from, to) => [hm(new Date(Date.now() + from * 3600_000)), hm(new Date(Date.now() + to * 3600_000))];

// ---------------------------------------------------------------- 1. a moving person
{
  const { browser, context, page, errors } = await launch(moving, 60);
  try {
    await clientLogsIn(page, base, staff, password, clientPassword);
    await page.goto(`${base}/desk`);
    await page.click("#start");
    await waitState(page, "watching");
    check(true, "calibrated on the person at the desk");
    await page.waitForFunction(() => document.getElementById("presence").textContent === "Away", null, { timeout: 30000 });
    check(true, "an empty frame is seen as away");
    await page.waitForFunction(() => document.getElementById("breaks").textContent.startsWith("1 taken"), null, { timeout: 20000 });
    check(true, "three minutes away count as a break, without a click");
    check(await page.locator("#exercises-done").textContent() === "0", "a break by leaving is not an exercise done");
    await page.waitForSelector("#moved:not([hidden])", { timeout: 40000 });
    check(true, "a person further from the camera for two minutes: recalibration is offered");
    check(/moved/.test(await page.locator("#moved").textContent()), "saying the camera or seat seems to have moved");

    // The offline queue: a day sent while offline stays in IndexedDB, unsent, and goes later.
    // (The page sent the day once on opening; it has grown since.)
    const sentBefore = await page.evaluate(async () => JSON.stringify((await idb("kv", "sent")) || {}));
    await context.setOffline(true);
    await page.click("#send");
    await page.waitForFunction(() => document.getElementById("sent").textContent.startsWith("Not sent yet"), null, { timeout: 10000 });
    const sentOffline = await page.evaluate(async () => JSON.stringify((await idb("kv", "sent")) || {}));
    check(sentOffline === sentBefore, "offline, the grown day is not marked sent: it stays queued");
    await context.setOffline(false);
    const [sent] = await Promise.all([page.waitForRequest((r) => r.url().endsWith("/api/desk/days")), page.click("#send")]);
    await page.waitForFunction(() => document.getElementById("sent").textContent.startsWith("Your therapist has"), null, { timeout: 10000 });
    const sentAfter = await page.evaluate(async () => JSON.stringify((await idb("kv", "sent")) || {}));
    const breaksSent = JSON.parse(sent.postData()).days.at(-1).breaks_taken;
    check(sentAfter !== sentBefore && breaksSent >= 1, `online again, the queued day is sent (breaks taken ${breaksSent}) and confirmed`);

    // Working hours that exclude now: the camera goes off; hours that include now: back on.
    const [from, to] = hours(3, 4);
    await page.fill("#hours-from", from);
    await page.fill("#hours-to", to);
    await waitState(page, "paused", 15000);
    check(/Outside your working hours/.test(await page.locator("#status").textContent()), `outside working hours (${from}–${to}) the page pauses`);
    check(await page.locator("#camera-on").isHidden(), "and the camera is off");
    const [from2, to2] = hours(-1, 3);
    await page.fill("#hours-from", from2);
    await page.fill("#hours-to", to2);
    await page.waitForFunction(() => ["watching", "calibrating"].includes(document.getElementById("desk").dataset.state), null, { timeout: 20000 });
    check(await page.locator("#camera-on").isVisible(), `within working hours again (${from2}–${to2}) the camera is back on`);
    check(JSON.stringify(await page.evaluate(() => idb("kv", "hours"))) === JSON.stringify({ from: from2, to: to2 }), "the hours are kept in this browser");
    check(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- 2. a real slouch
if (slouch === "-") {
  console.log("skipped: the slouch part (no real webcam frames here)");
} else {
  const speed = 2;
  const upright = Number(uprightArg);
  const { browser, page, errors } = await launch(slouch, speed);
  try {
    await clientLogsIn(page, base, staff, password, `${clientPassword}2`, 1);
    await page.goto(`${base}/desk`);
    await page.click("#start");
    await waitState(page, "calibrating");
    const cameraOn = Date.now();
    await waitState(page, "watching");
    const beyond = () => page.locator("[data-beyond='true']").count();
    // Upright until the video turns: nothing beyond its threshold, no nudge.
    let upright_beyond = 0;
    while (Date.now() - cameraOn < (upright - 1) * 1000) {
      upright_beyond = Math.max(upright_beyond, await beyond());
      await page.waitForTimeout(250);
    }
    check(upright_beyond === 0, "upright: no drift beyond its threshold");
    check(await page.locator("#nudges").textContent() === "0", "upright: no nudge");
    await page.waitForFunction(() => document.querySelector("[data-beyond='true']") !== null, null, { timeout: 60000 });
    const seen = ((Date.now() - cameraOn) / 1000 - upright) * speed;
    const metric = await page.locator("[data-beyond='true'] th").first().textContent();
    check(seen <= 60, `the poking chin is seen beyond its threshold ${seen.toFixed(0)} s (page time) after it began (${metric})`);
    await page.waitForSelector("#nudge:not([hidden])", { timeout: 60000 });
    const nudged = ((Date.now() - cameraOn) / 1000 - upright) * speed;
    check(nudged >= 60 && nudged <= 60 + 30, `and nudged ${nudged.toFixed(0)} s after it began, once sustained for its minute`);
    check(/Sit back/.test(await page.locator("#nudge-text").textContent()), `the nudge says what to do (${await page.locator("#nudge-text").textContent()})`);
    check(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
  } finally {
    await browser.close();
  }
}

finish();
