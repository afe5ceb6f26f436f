// Browser tests for the Tonus clinic app.
//
// Run by crates/web/tests/browser.rs, which starts a real server with the demo personas and
// calls: node run.mjs <base-url> <login> <password>. Drives the system Chromium through
// playwright-core (no browser download): set CHROMIUM to its path if it is not
// /usr/bin/chromium. Checks what only a browser can: htmx search, the CSP letting our own
// scripts run (and nothing else), live range hints, and the print stylesheet.
// Leaves out visual comparison of the report (the app crate owns its rendering).

import { chromium } from "playwright-core";
import { check, finish } from "./checks.mjs";

const [base, login, password] = process.argv.slice(2);
if (!base || !login || !password) {
  console.error("usage: node run.mjs <base-url> <login> <password>");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on("console", (msg) => { if (msg.type() === "error") consoleErrors.push(msg.text()); });
  page.on("pageerror", (err) => consoleErrors.push(String(err)));
  page.on("response", (res) => { if (res.status() === 404) consoleErrors.push(`404 for ${res.url()}`); });

  // Logging in lands on the client list.
  await page.goto(`${base}/clients`);
  check(page.url().endsWith("/login"), "an anonymous visit is sent to the login page");
  await page.fill("#login", login);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  const landed = new URL(page.url()).pathname;
  check(landed === "/clients", `logging in opens the client list (at ${landed})`);
  if (landed !== "/clients") console.log(await page.locator("main").innerText());
  const allRows = await page.locator("#client-rows tr").count();
  check(allRows === 3, `the demo has three clients (saw ${allRows})`);

  // htmx filters the list as one types, without a page load.
  let navigated = false;
  page.once("framenavigated", () => { navigated = true; });
  const firstName = (await page.locator("#client-rows tr td a").first().textContent()).trim();
  await page.fill("#q", firstName.slice(0, 4));
  await page.waitForFunction((n) => document.querySelectorAll("#client-rows tr").length < n, allRows, { timeout: 5000 })
    .catch(() => {});
  const filtered = await page.locator("#client-rows tr").count();
  check(filtered >= 1 && filtered < allRows, `typing in the search box filters the rows (${filtered} of ${allRows})`);
  check(!navigated, "the search updates in place (htmx), with no page load");

  // The report of a completed assessment, and its print view.
  await page.locator("#client-rows tr td a").first().click();
  await page.waitForLoadState();
  const assessmentLink = page.locator(".timeline a").first();
  check(await assessmentLink.count() === 1, "the client page shows the assessment in its timeline");
  await assessmentLink.click();
  await page.waitForLoadState();
  check(await page.locator(".tonus-report").count() === 1, "the report is embedded in the page");
  await page.emulateMedia({ media: "print" });
  check(!(await page.locator("header.top").isVisible()), "printing hides the navigation");
  check(await page.locator(".tonus-report").isVisible(), "printing keeps the report");
  await page.emulateMedia({ media: "screen" });

  // The assessment form: the client's details, then the red-flag screen before anything it
  // could stop, and an immediate hint for an out-of-range number.
  await page.goBack();
  await page.waitForLoadState();
  await page.click("text=New assessment");
  await page.waitForLoadState();
  const legends = (await page.locator("form > fieldset > legend").allTextContents()).map((l) => l.trim());
  check(legends[0] === "Client" && legends[1].startsWith("Red-flag screen"), `the form starts with the client, then the red-flag screen ("${legends.slice(0, 2).join('", "')}")`);
  const desk = page.locator("[name='exposure.sitting.desk']");
  await desk.fill("30");
  await desk.dispatchEvent("change");
  const hint = await page.locator(".live-error").first().textContent();
  check(/from 0 to 24/.test(hint || ""), "an out-of-range hour shows a hint at once");
  await page.click("button[value=save]");
  await page.waitForLoadState();
  check((await page.locator(".notice").first().textContent()).includes("Draft saved"), "saving keeps a draft");
  check(await page.locator("[name='exposure.sitting.desk']").inputValue() === "30", "the draft keeps what was typed");

  check(consoleErrors.length === 0, `no console errors or CSP violations (${consoleErrors.join(" | ")})`);
} finally {
  await browser.close();
}

finish();
