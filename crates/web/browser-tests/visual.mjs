// Browser tests of the visual pages (landmark editor, photo warnings, body map, progress,
// comparison, what-if).
//
// Run by crates/web/tests/visual_browser.rs, which starts a real server with the demo
// personas plus a later reassessment of the driver persona and calls:
//   node visual.mjs <base-url> <login> <password>
// Environment: CHROMIUM (browser path), SCREENSHOTS (folder for PNGs), PROFILE_DIR (a fresh
// user-data-dir). Drives the system Chromium through playwright-core; nothing is downloaded.
// Leaves out pixel comparison of the screenshots: a person looks at them.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, login, password] = process.argv.slice(2);
if (!base || !login || !password) {
  console.error("usage: node visual.mjs <base-url> <login> <password>");
  process.exit(2);
}
const shots = process.env.SCREENSHOTS || "visual-screenshots";
mkdirSync(shots, { recursive: true });

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
  console.log(`${condition ? "ok  " : "FAIL"} ${message}`);
}
const num = (text) => {
  const m = /-?\d+(\.\d+)?/.exec(text || "");
  return m ? Number(m[0]) : NaN;
};

const context = await chromium.launchPersistentContext(process.env.PROFILE_DIR || "", {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
});
const consoleErrors = [];
function watch(page) {
  page.on("console", (msg) => { if (msg.type() === "error") consoleErrors.push(msg.text()); });
  page.on("pageerror", (err) => consoleErrors.push(String(err)));
  page.on("response", (res) => { if (res.status() >= 400) consoleErrors.push(`${res.status()} for ${res.url()}`); });
}

try {
  const page = context.pages()[0] || (await context.newPage());
  watch(page);
  await page.goto(`${base}/login`);
  await page.fill("#login", login);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  check(new URL(page.url()).pathname === "/clients", "logged in");

  // The driver persona has two assessments; the comparison page names them.
  await page.click("text=Sam Okafor");
  await page.waitForLoadState();
  const clientPath = new URL(page.url()).pathname;
  await page.goto(`${base}${clientPath}/compare`);
  const earlier = await page.locator("select[name=a] option[selected]").getAttribute("value");
  const later = await page.locator("select[name=b] option[selected]").getAttribute("value");
  check(earlier && later && earlier !== later, "the comparison picks the two assessments");

  // ---- The landmark editor on the later assessment (side and front photos).
  await page.goto(`${base}/assessments/${later}`);
  const panels = page.locator(".photo-panel");
  check((await panels.count()) === 2, `two photo panels (saw ${await panels.count()})`);
  const images = await page.locator(".photo-panel svg.lm-svg image").count();
  check(images === (process.env.WITH_PHOTO === "1" ? 1 : 0), `the side photo is drawn under its landmarks (${images})`);
  const viewBox = await page.locator(".photo-panel svg.lm-svg").first().getAttribute("viewBox");
  check(viewBox === "0 0 720 1280", `the overlay's viewBox is in image pixels (${viewBox})`);
  // The live formulas in JS agree with the engine on every measured metric.
  const agreement = await page.$$eval("td.live", (cells) => cells.map((td) => ({
    id: td.dataset.metric, engine: td.dataset.engine, live: td.textContent, raw: td.dataset.live,
  })));
  const measured = agreement.filter((a) => a.engine !== "");
  check(measured.length >= 5, `the engine measured several metrics (${measured.length})`);
  for (const a of measured) {
    const live = Number(a.raw);
    check(a.raw !== "" && Math.abs(live - Number(a.engine)) < 0.0051, `JS ${a.id} = ${live.toFixed(4)} matches the engine's ${a.engine}`);
  }
  for (const a of agreement.filter((x) => x.engine === "")) {
    check(/not measurable|—/.test(a.live), `JS says ${a.id} is not measurable, as the engine does (${a.live})`);
  }
  await page.screenshot({ path: join(shots, "assessment-desktop.png"), fullPage: true });

  // Drag the side view's ear backward with the mouse: the ear–shoulder angle changes live.
  const side = page.locator('.photo-panel[data-view^="side"]');
  const sideView = await side.getAttribute("data-view");
  const earIndex = sideView === "side-left" ? 7 : 8;
  const ear = side.locator(`circle.lm[data-i="${earIndex}"]`);
  const angleCell = side.locator('td.live[data-metric="ear_shoulder_angle"]');
  const before = num(await angleCell.textContent());
  const engineBefore = Number(await angleCell.getAttribute("data-engine"));
  await ear.scrollIntoViewIfNeeded();
  const box = await ear.boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const back = sideView === "side-left" ? 1 : -1; // toward the shoulder
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let k = 1; k <= 10; k++) await page.mouse.move(cx + back * 3 * k, cy + 2 * k);
  await page.mouse.up();
  const after = Number(await angleCell.getAttribute("data-live"));
  check(Math.abs(after - before) > 1, `dragging the ear changes the ear–shoulder angle live (${before} → ${after})`);
  const label = await side.locator('text.angle[data-metric="ear_shoulder_angle"]').textContent();
  check(Math.abs(num(label) - after) < 0.051, `the angle drawn on the photo follows (${label})`);
  const posted = JSON.parse(await side.locator("input[name=points]").inputValue());
  check(posted.length === 1 && posted[0].i === earIndex, `the form carries the moved ear (${JSON.stringify(posted)})`);
  const valueText = await ear.getAttribute("aria-valuetext");
  check(/^\d+% across, \d+% down the photo, moved$/.test(valueText || ""), `the ear's handle announces where it is (${valueText})`);
  await side.screenshot({ path: join(shots, "photo-dragged-desktop.png") });

  // Save: the corrected set is stored, the report recomputed, both values shown side by side.
  await Promise.all([page.waitForNavigation(), side.locator("button[type=submit]").click()]);
  const saved = page.locator('.photo-panel[data-view^="side"]');
  check(/corrected by hand/.test(await saved.locator(".corrected-note").textContent()), "the panel says it is corrected");
  const row = saved.locator('tr[data-metric="ear_shoulder_angle"]');
  const autoValue = num(await row.locator("td.auto").textContent());
  const corrValue = num(await row.locator("td.corr").textContent());
  check(Math.abs(autoValue - engineBefore) < 0.051, `the automatic value is kept (${autoValue})`);
  const corrEngine = Number(await saved.locator('td.live[data-metric="ear_shoulder_angle"]').getAttribute("data-engine"));
  check(Math.abs(corrEngine - after) < 0.0051, `the engine's corrected value is the angle seen while dragging (${corrEngine} vs ${after.toFixed(4)})`);
  check(Math.abs(corrValue - corrEngine) < 0.051, `the corrected column shows it (${corrValue})`);
  check(/manual landmarks/.test(await page.locator(".tonus-report").innerText()), "the recomputed report uses the manual landmarks");
  await page.screenshot({ path: join(shots, "assessment-corrected-desktop.png"), fullPage: true });
  await saved.screenshot({ path: join(shots, "photo-corrected-desktop.png") });
  await page.locator('.photo-panel[data-view="front"]').screenshot({ path: join(shots, "photo-front-desktop.png") });

  // ---- Body map: hovering a muscle shows its evidence trail.
  // Muscles overlap on the map: hover the first overactive one whose shape is not covered.
  const candidates = page.locator('.body-map g.muscle[data-state="overactive"]');
  let muscleId = null;
  for (let k = 0; k < (await candidates.count()) && !muscleId; k++) {
    const g = candidates.nth(k);
    await g.scrollIntoViewIfNeeded();
    try {
      await g.hover({ timeout: 1000 });
      muscleId = await g.getAttribute("data-muscle");
    } catch { /* covered by another shape; try the next */ }
  }
  check(muscleId !== null, `an overactive muscle can be hovered (${muscleId})`);
  const panel = page.locator(".muscle-panel");
  check((await panel.getAttribute("data-muscle")) === muscleId, `hovering shows ${muscleId} in the panel`);
  const evidence = await panel.locator("li").allTextContents();
  check(evidence.length > 0 && evidence.every((e) => e.includes("→")), `its evidence trail is listed (${evidence[0]})`);
  check(/overactive/.test(await panel.locator("h3").textContent()), "the panel names the state");
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, "bodymap-desktop.png") });
  await page.locator(".body-map-figure").screenshot({ path: join(shots, "bodymap-figure-desktop.png") });

  // ---- A photo whose quality gate fails says why on the photo and how to retake it.
  await page.goto(`${base}/clients`);
  await page.click("text=Alex Morgan");
  await page.waitForLoadState();
  await page.click("a[href^='/assessments/']");
  await page.waitForLoadState();
  const warning = page.locator(".photo-panel .lm-stage .photo-warning");
  check((await warning.count()) === 1, `one of the desk worker's two photos carries a warning (${await warning.count()})`);
  const warningText = await warning.innerText();
  check(/turned toward the camera/.test(warningText), `it says why (${warningText.split("\n")[1]})`);
  check(/shoulder height/.test(warningText) && /2–3 m/.test(warningText) && /whole body/.test(warningText), "it says how to retake");
  const wBox = await warning.boundingBox(), sBox = await page.locator(".photo-panel .lm-stage.has-warning svg").boundingBox();
  check(wBox.y >= sBox.y - 1 && wBox.y < sBox.y + sBox.height, "the warning sits on the photo");
  await warning.scrollIntoViewIfNeeded();
  await page.locator(".photo-panel:has(.photo-warning)").screenshot({ path: join(shots, "photo-warning-desktop.png") });

  // ---- Progress: every measure charted with its band and threshold.
  await page.goto(`${base}${clientPath}/progress`);
  const charts = await page.locator("svg.chart.progress").count();
  check(charts >= 5, `the progress page charts the measures (${charts})`);
  const progressText = await page.locator("main").innerText();
  check(/NPRS|pain/i.test(progressText) && /NDI|Neck Disability/i.test(progressText), "NPRS and NDI are charted");
  check(/endurance/i.test(progressText), "DNF endurance is charted");
  check(/a real improvement/.test(progressText), "a real improvement is called so");
  check(/noise, not progress/.test(progressText), "small changes are called noise");
  await page.screenshot({ path: join(shots, "progress-desktop.png"), fullPage: true });
  await page.screenshot({ path: join(shots, "progress-top-desktop.png") });

  // ---- Comparison: aligned photos and the change in each angle against the threshold.
  await page.goto(`${base}${clientPath}/compare?a=${earlier}&b=${later}`);
  const views = await page.locator("section.compare-view").count();
  check(views === 2, `side and front views are compared (${views})`);
  const cva = page.locator('section.compare-view[data-view^="side"] tr', { hasText: "ear" }).first();
  const cvaText = await cva.innerText();
  check(/real change \(beyond ±5°\)/.test(cvaText), `the ear–shoulder change is judged (${cvaText.replace(/\s+/g, " ")})`);
  check((await page.locator("svg.compare-svg .skel-b").count()) === 4, "each side view panel draws the later skeleton");
  await page.screenshot({ path: join(shots, "compare-desktop.png"), fullPage: true });
  await page.locator("section.compare-view").first().screenshot({ path: join(shots, "compare-side-desktop.png") });

  // ---- What-if: the slider re-renders the server-side chart.
  await page.goto(`${base}${clientPath}/what-if`);
  check(/illustrative/i.test(await page.locator("main").innerText()), "the what-if page says illustrative");
  const line = page.locator("#what-if-chart polyline.with-plan");
  const pointsBefore = await line.getAttribute("points");
  const reply = page.waitForResponse((r) => r.url().includes("/what-if/chart") && r.url().includes("adherence=20"));
  await page.locator("#adherence").fill("20");
  await reply;
  await page.waitForFunction(() => /adherence 20%/.test(document.querySelector("#what-if-chart svg")?.textContent || ""));
  const pointsAfter = await page.locator("#what-if-chart polyline.with-plan").getAttribute("points");
  check(pointsAfter && pointsAfter !== pointsBefore, "moving the slider to 20% redraws the with-plan line");
  check((await page.locator("#adherence-out").textContent()) === "20", "the slider shows its value");
  check(new URL(page.url()).pathname.endsWith("/what-if"), "no page load: htmx swapped the chart");
  await page.screenshot({ path: join(shots, "what-if-desktop.png"), fullPage: true });
  await page.close();

  // ---- Phone (390 px, touch): drag with a finger, tap a muscle, and screenshots.
  const phone = await context.newPage();
  watch(phone);
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${base}/assessments/${later}`);
  const phoneSide = phone.locator('.photo-panel[data-view^="side"]');
  const hip = phoneSide.locator("circle.lm").last();
  await hip.scrollIntoViewIfNeeded();
  const hb = await hip.boundingBox();
  const trunkCell = phoneSide.locator('td.live[data-metric="trunk_inclination"]');
  const trunkBefore = num(await trunkCell.textContent());
  const cdp = await context.newCDPSession(phone);
  const at = (x, y) => [{ x: Math.round(x), y: Math.round(y), id: 1 }];
  const hx = hb.x + hb.width / 2, hy = hb.y + hb.height / 2;
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(hx, hy) });
  // Toward upright: this photo already leans back near the 15° gate, past which the trunk
  // angle is not measurable at all.
  for (let k = 1; k <= 8; k++) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at(hx - 4 * k, hy) });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  const trunkAfter = num(await trunkCell.textContent());
  check(Math.abs(trunkAfter - trunkBefore) > 0.5, `a finger drag of the hip changes the trunk inclination (${trunkBefore} → ${trunkAfter})`);
  await phoneSide.screenshot({ path: join(shots, "photo-phone.png") });
  const phoneWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(phoneWidth <= 392, `the assessment page fits the phone width (${phoneWidth}px)`);
  const phoneMuscle = phone.locator('.body-map g.muscle[data-state="overactive"]').first();
  await phoneMuscle.scrollIntoViewIfNeeded();
  const mb = await phoneMuscle.locator("polygon").first().boundingBox();
  const tx = mb.x + mb.width / 2, ty = mb.y + mb.height / 2;
  const expected = await phone.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest("g.muscle")?.dataset.muscle, [tx, ty]);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(tx, ty) });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  const tapped = await phone.locator(".muscle-panel").getAttribute("data-muscle");
  check(expected && tapped === expected, `tapping a muscle shows it (${tapped})`);
  check((await phone.locator(".muscle-panel li").count()) > 0, "with its evidence");
  await phone.locator(".muscle-panel").scrollIntoViewIfNeeded();
  await phone.screenshot({ path: join(shots, "bodymap-phone.png") });
  for (const [name, path] of [["progress", "/progress"], ["compare", "/compare"], ["what-if", "/what-if"]]) {
    await phone.goto(`${base}${clientPath}${path}`);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 392, `${name} fits the phone width (${width}px)`);
    // Chart text stays readable on the phone (at least 11 px as drawn).
    const smallest = await phone.evaluate(() => Math.min(...[...document.querySelectorAll("svg.chart text")]
      .filter((t) => t.getBoundingClientRect().height > 0)
      .map((t) => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b))));
    check(!Number.isFinite(smallest) || smallest >= 11, `${name}: chart text at least 11 px on the phone (${Number.isFinite(smallest) ? smallest.toFixed(1) : "no chart"})`);
    await phone.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
  }

  check(consoleErrors.length === 0, `no console errors, CSP violations or failed requests (${consoleErrors.join("; ")})`);
} catch (err) {
  failures.push(String(err && err.stack || err));
  console.log(`FAIL ${err && err.stack || err}`);
} finally {
  await context.close();
}
if (failures.length) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("all visual checks passed");
