// The main flow of the clinic app in a real browser, from an empty data directory.
//
// Run by crates/web/tests/browser_flow.rs, which starts a real server on an empty data dir and
// calls: node main-flow.mjs <base-url> <setup-url> <photo> <landmark-file> <intake-file> <screenshot-dir>.
// Walks first-run account, new client, assessment with a real photo and its landmark file,
// report (screen and print), handout, client login, logout, and the client's login seeing
// only their own record. Saves full-page screenshots at desktop (1280) and phone (390) widths
// for a person to look at. Drives the system Chromium through playwright-core (no browser
// download); CHROMIUM overrides /usr/bin/chromium.
// Leaves out what run.mjs checks (htmx search, live range hints) and pixel comparison.

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { check, finish } from "./checks.mjs";

const [base, setupUrl, photo, landmarks, intakeFile, shots] = process.argv.slice(2);
if (!base || !setupUrl || !photo || !landmarks || !intakeFile || !shots) {
  console.error("usage: node main-flow.mjs <base-url> <setup-url> <photo> <landmark-file> <intake-file> <screenshot-dir>");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const STAFF_PASSWORD = "first account password";
const CLIENT_PASSWORD = "client login password";
const CLIENT_OWN_PASSWORD = "a quiet garden of plums";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // Playwright gives every launch a fresh, temporary user-data-dir.
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

const consoleErrors = [];
function watch(page) {
  page.on("console", (msg) => {
    // Chromium logs the refused visits the client makes on purpose below; those are expected.
    const expected = expectedDenials.has(new URL(page.url()).pathname) && msg.text().startsWith("Failed to load resource");
    if (msg.type() === "error" && !expected) consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => consoleErrors.push(`${page.url()}: ${err}`));
  page.on("response", (res) => {
    // The client's denied visits below expect 403/404; everything else must load.
    const path = new URL(res.url()).pathname;
    if (res.status() >= 400 && !expectedDenials.has(path)) consoleErrors.push(`${res.status()} for ${path}`);
  });
  return page;
}
const expectedDenials = new Set();

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}


/// Opens each path at phone width with the given login and saves a screenshot.
async function phoneShots(context, pages) {
  const phone = await browser.newContext({ viewport: PHONE, storageState: await context.storageState(), deviceScaleFactor: 1 });
  const page = watch(await phone.newPage());
  for (const [name, path] of pages) {
    await page.goto(`${base}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    // Name the widest elements that stick out, so a failure says what to fix.
    const culprits = overflow > 1 ? await page.evaluate(() => [...document.querySelectorAll("main *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 4)
      .map((el) => `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""} (${Math.round(el.getBoundingClientRect().right)} px)`)
      .join(", ")) : "";
    check(overflow <= 1, `${path} fits a 390 px phone without sideways scrolling (overflow ${overflow} px${culprits ? ": " + culprits : ""})`);
    await shot(page, `phone-${name}`);
    await page.screenshot({ path: join(shots, `phone-${name}-top.png`) });
  }
  await phone.close();
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const path = (page) => new URL(page.url()).pathname;

try {
  const staff = await browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 });
  const page = watch(await staff.newPage());

  // First run: the one-time setup link creates the first account and logs it in.
  await page.goto(setupUrl);
  check((await page.locator("h1").textContent()).includes("Welcome"), "the setup link opens the first-run page");
  await shot(page, "desktop-01-setup");
  await page.fill("#login", "therapist");
  await page.fill("#display_name", "Sam Therapist");
  await page.fill("#password", STAFF_PASSWORD);
  await page.fill("#confirm", STAFF_PASSWORD);
  await submit(page, "button[type=submit]");
  check(path(page) === "/clients", `creating the first account opens the client list (at ${path(page)})`);
  const again = await page.request.get(setupUrl, { maxRedirects: 0 });
  check(again.status() >= 400 || !(await again.text()).includes("Create account"), "the setup link works only once");

  // A new client.
  await page.fill("#display_name", "Robin Example");
  await page.fill("#reference", "R-0001");
  await submit(page, "text=Add client");
  const clientPath = path(page);
  check(/^\/clients\/[0-9a-f-]{36}$/.test(clientPath), `adding a client opens their page (${clientPath})`);
  const clientId = clientPath.split("/")[2];
  await shot(page, "desktop-02-client-new");

  // An assessment: the intake as a file, a real photo, and the landmark file for that photo.
  await submit(page, "text=New assessment");
  // The example intake, for this client (the file names a persona).
  const intake = readFileSync(intakeFile, "utf8").replace(/^name = ".*"/m, 'name = "Robin Example"');
  await page.fill("#intake_text", intake);
  await submit(page, "button[value=save]");
  check(/\/assessments\/[0-9a-f-]{36}\/edit/.test(page.url()), "saving the draft stays on the assessment form");
  const assessmentId = path(page).split("/")[2];
  await page.selectOption("#photo-view", "side-left");
  await page.setInputFiles("#photo-file", photo);
  await submit(page, "text=Upload photo");
  check(await page.locator("a[href^='/photos/']").count() >= 1, "the uploaded photo is listed on the form");
  const photoOption = page.locator("#landmark-photo option").nth(1);
  if (await photoOption.count()) await page.selectOption("#landmark-photo", await photoOption.getAttribute("value"));
  await page.setInputFiles("#landmark-file", landmarks);
  await submit(page, "text=Upload landmarks");
  check((await page.locator("main").innerText()).includes("Landmarks, "), "the landmark set is listed on the form");
  await shot(page, "desktop-03-assessment-form");
  const photoHref = await page.locator("a[href^='/photos/']").first().getAttribute("href");
  const photoReply = await page.request.get(`${base}${photoHref}`);
  check(photoReply.ok() && (photoReply.headers()["content-type"] || "").startsWith("image/jpeg"), "the stored photo is served back as JPEG");
  check(Buffer.compare(await photoReply.body(), readFileSync(photo)) === 0, "the stored photo is the uploaded file, byte for byte");
  if (!(await page.inputValue("#intake_text")).trim()) await page.fill("#intake_text", intake);
  await submit(page, "button[value=complete]");

  // The report, on screen and in print.
  check(path(page) === `/assessments/${assessmentId}`, `completing opens the report (at ${path(page)})`);
  check(await page.locator(".tonus-report").count() === 1, "the report is on the page");
  const reportText = await page.locator("main").innerText();
  check(/forward head|craniovertebral/i.test(reportText), "the report shows the photo metrics measured from the landmarks");
  await shot(page, "desktop-04-report");
  await page.screenshot({ path: join(shots, "desktop-04-report-top.png") });
  await page.emulateMedia({ media: "print" });
  check(!(await page.locator("header.top").isVisible()), "printing hides the navigation");
  check(await page.locator(".print-header").isVisible(), "the print has a header with the client and the assessment");
  check(!(await page.locator("th.live").first().isVisible().catch(() => false)), "the print leaves out the live-edit column");
  await shot(page, "desktop-05-report-print");
  // Printed to A4 and Letter PDF as a browser does it: at most 4 pages (it was 14 before the
  // print styles, 7 before the running text went into two columns), numbered.
  for (const format of ["A4", "Letter"]) {
    const pdf = await page.pdf({ path: join(shots, `report-${format.toLowerCase()}.pdf`), format });
    const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
    check(pages >= 1 && pages <= 4, `the printed report takes at most 4 ${format} pages (${pages})`);
  }
  await page.emulateMedia({ media: "screen" });

  // The handout, then a login for the client and a second client they must not see.
  await page.goto(`${base}/clients/${clientId}/handout`);
  check((await page.locator("main").innerText()).includes("Robin"), "the handout is the client's");
  await shot(page, "desktop-06-handout");
  await page.goto(`${base}/clients/${clientId}`);
  await page.fill("#login", "robin");
  await page.fill("#password", CLIENT_PASSWORD);
  await submit(page, "text=Create client login");
  check((await page.locator("main").innerText()).includes("logs in as robin"), "the client now has a login");
  await shot(page, "desktop-07-client-with-login");
  await page.goto(`${base}/clients`);
  await page.fill("#display_name", "Other Person");
  await submit(page, "text=Add client");
  const otherId = path(page).split("/")[2];
  await page.goto(`${base}/clients`);
  await shot(page, "desktop-08-clients");
  await phoneShots(staff, [
    ["01-clients", "/clients"],
    ["02-client", `/clients/${clientId}`],
    ["03-assessment-form", `/assessments/${assessmentId}/edit`],
    ["04-report", `/assessments/${assessmentId}`],
    ["05-handout", `/clients/${clientId}/handout`],
  ]);

  // Logging out ends the session.
  await submit(page, "header.top button[type=submit]");
  check(path(page) === "/login", `logging out opens the login page (at ${path(page)})`);
  await page.goto(`${base}/clients`);
  check(path(page) === "/login", "after logout the client list asks for a login again");
  await shot(page, "desktop-09-login");

  // The client's login: their own handout, nothing else.
  await page.fill("#login", "robin");
  await page.fill("#password", CLIENT_PASSWORD);
  await submit(page, "button[type=submit]");
  // The therapist typed this password: the client chooses their own before anything else.
  check(path(page) === "/account/password", `the first login asks for the client's own password (at ${path(page)})`);
  check((await page.locator("main").innerText()).includes("set by someone else"), "it says why");
  await shot(page, "desktop-10-client-first-login");
  await page.fill("#current", CLIENT_PASSWORD);
  await page.fill("#password", CLIENT_OWN_PASSWORD);
  await page.fill("#confirm", CLIENT_OWN_PASSWORD);
  await submit(page, "form[action='/account/password'] button[type=submit]");
  const changedText = await page.locator("main").innerText();
  check(changedText.includes("Your password is changed"), `the client's own password is set (${path(page)}: ${changedText.slice(0, 160).replace(/\n/g, " ")})`);
  await page.goto(`${base}/me`);
  check(path(page) === "/me", `the client lands on their own page (at ${path(page)})`);
  check(await page.locator("header.top nav a[href='/clients']").count() === 0, "the client sees no staff navigation");
  await shot(page, "desktop-10-client-me");
  await submit(page, "text=All my exercises");
  check(path(page) === `/clients/${clientId}/handout`, "the client opens their own handout");
  check((await page.locator("main").innerText()).includes("Robin"), "the handout is theirs");
  await shot(page, "desktop-11-client-handout");
  for (const denied of ["/clients", `/clients/${otherId}/handout`, `/clients/${otherId}`, `/clients/${clientId}`, `/clients/${clientId}/export.zip`]) {
    expectedDenials.add(denied);
    const reply = await page.goto(`${base}${denied}`);
    check([403, 404].includes(reply.status()), `the client is refused ${denied} (${reply.status()})`);
  }
  await phoneShots(page.context(), [["06-client-me", "/me"], ["07-client-handout", `/clients/${clientId}/handout`]]);

  check(consoleErrors.length === 0, `no console errors, CSP violations or failed loads (${consoleErrors.join(" | ")})`);
} finally {
  await browser.close();
}

console.log(`screenshots in ${shots}`);
finish();
