// The camera page of an assessment draft in Chromium with a fake camera:
//   node capture.mjs <base-url> <staff-login> <password> <camera.y4m> <screenshot-dir>
// A therapist saves a draft, opens the camera page from it, picks the front view (the guide
// changes), takes a photo, retakes it, keeps it; the photo is saved on the draft with its
// landmarks found, and nothing was sent before "Keep this photo". Run by
// crates/web/tests/wasm_browser.rs (which makes the video from a committed photo).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { staffLogsIn, withCamera } from "./desk-client.mjs";
import { check, finish } from "./checks.mjs";

const [base, staff, password, camera, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const { browser, page, errors } = await withCamera(base, camera);
try {
  await staffLogsIn(page, base, staff, password);
  await page.goto(`${base}/clients`);
  const client = await page.locator("a[href^='/clients/']").filter({ hasNotText: "New" }).first().getAttribute("href");
  await page.goto(`${base}${client}/assessments/new`);
  await Promise.all([page.waitForNavigation(), page.click("button[value=photos]")]);
  const draft = new URL(page.url()).pathname.replace(/\/edit$/, "");
  check(/^\/assessments\/[0-9a-f-]{36}$/.test(draft), `the draft is saved (${draft})`);

  await Promise.all([page.waitForNavigation(), page.click("a[href$='/capture']")]);
  check(new URL(page.url()).pathname === `${draft}/capture`, "the draft links to its camera page");
  check(await page.locator("[data-guide=side]").isVisible(), "the side view's guide shows first");
  check(await page.locator("[data-guide-figure]").getAttribute("transform") !== null, "its figure faces left for a left side view");
  await page.check("input[name=capture-view][value=side-right]");
  check(await page.locator("[data-guide-figure]").getAttribute("transform") === null, "and right for a right side view");
  await page.check("input[name=capture-view][value=front]");
  check(await page.locator("[data-guide=front]").isVisible() && !(await page.locator("[data-guide=side]").isVisible()), "choosing the front view shows its guide");
  const posts = [];
  page.on("request", (r) => { if (r.method() !== "GET") posts.push(r.url()); });
  await page.click("[data-capture-start]");
  await page.waitForFunction(() => document.getElementById("capture-video").videoWidth > 0, null, { timeout: 15000 });
  await page.screenshot({ path: join(shots, "capture-1280.png"), fullPage: true });
  check(!(await page.locator("[data-capture-keep]").isVisible()) && !(await page.locator("#capture-still").isVisible()) && !(await page.locator("[data-capture-start]").isVisible()),
    "while the camera is live there is nothing to keep, and no second Start");
  await page.click("[data-capture-take]");
  check(await page.locator("#capture-still").isVisible() && await page.locator("[data-capture-keep]").isVisible(), "a photo taken is shown still, with Keep");
  await page.click("[data-capture-retake]");
  check(await page.locator("#capture-video").isVisible(), "Retake goes back to the camera");
  await page.click("[data-capture-take]");
  check(posts.length === 0, `nothing is sent before the photo is kept (${posts.join(", ") || "none"})`);
  await Promise.all([page.waitForNavigation(), page.click("[data-capture-keep]")]);
  check(new URL(page.url()).pathname === `${draft}/edit`, `keeping it returns to the draft (${new URL(page.url()).pathname})`);
  const photos = page.locator(".photo-list li img.thumb");
  check(await photos.count() === 1, `the draft has the photo (${await photos.count()})`);
  const list = await page.locator(".photo-list").innerText();
  check(/front photo/.test(list), `as a front photo (${list.split("\n")[0]})`);
  check(!/no landmarks/.test(list), "with its landmarks found");
  check(/Landmarks, front: /.test(list), "and listed");

  // A photo over the server's limit is named in place, with the limit, and not sent.
  await page.setInputFiles("#photo-file", { name: "huge.jpg", mimeType: "image/jpeg", buffer: Buffer.alloc(9 << 20, 0xff) });
  const tooLarge = await page.locator("#photo-file-error").textContent();
  check(/huge\.jpg is 9\.0 MB: larger than this server's limit of 8 MB/.test(tooLarge), `a photo over the limit is named in place (${tooLarge})`);
  const before = posts.length;
  await page.click("form[action$='/photos'] button[type=submit]");
  await page.waitForTimeout(300);
  check(posts.length === before && new URL(page.url()).pathname === `${draft}/edit`, "and is not sent");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}${draft}/capture?view=side-right`);
  check(await page.locator("input[name=capture-view][value=side-right]").isChecked(), "the view can be chosen by the link");
  await page.click("[data-capture-start]");
  await page.waitForFunction(() => document.getElementById("capture-video").videoWidth > 0, null, { timeout: 15000 });
  await page.screenshot({ path: join(shots, "capture-390.png"), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `the camera page fits a phone (${overflow} px too wide)`);
  check(errors.length === 0, `no page errors (${errors.join("; ") || "none"})`);
} finally {
  await browser.close();
}
finish();
