// Shared by the scripts that log in or use the fake camera (desk.mjs, desk-moves.mjs, desk-local.mjs,
// desk-cpu.mjs, capture.mjs).
import { chromium } from "playwright-core";

// `clientLogsIn`: a practitioner gives
// a demo client (the first, or the `index`th) a login, logs out, and the client logs in and
// sets their own password. Returns the client's page path (/clients/ID).
export async function clientLogsIn(page, base, staff, password, clientPassword, index = 0) {
  const login = index ? `deskclient${index}` : "deskclient";
  await staffLogsIn(page, base, staff, password);
  await page.goto(`${base}/clients`);
  const client = await page.locator("a[href^='/clients/']").filter({ hasNotText: "New" }).nth(index).getAttribute("href");
  await page.goto(`${base}${client}`);
  await page.fill("form[action$='/account'] #login", login);
  await page.fill("form[action$='/account'] #password", clientPassword);
  await Promise.all([page.waitForNavigation(), page.click("form[action$='/account'] button[type=submit]")]);
  await Promise.all([page.waitForNavigation(), page.click("form[action='/logout'] button")]);
  await page.fill("#login", login);
  await page.fill("#password", clientPassword);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  if (page.url().includes("/account/password")) {
    await page.fill("#current", clientPassword);
    await page.fill("#password", `${clientPassword} new`);
    await page.fill("#confirm", `${clientPassword} new`);
    await Promise.all([page.waitForNavigation(), page.click("form[action='/account/password'] button[type=submit]")]);
  }
  return client;
}

// `staffLogsIn`: the login page, filled and sent.
export async function staffLogsIn(page, base, staff, password) {
  await page.goto(`${base}/login`);
  await page.fill("#login", staff);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
}

// Chromium with its fake camera fed `camera` (a y4m file), the camera allowed for `base`, and
// one page whose console errors and page errors are collected (a request refused while a test
// has the browser offline is expected, and left out).
export async function withCamera(base, camera) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${camera}`],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["camera"], { origin: base });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (msg) => { if (msg.type() === "error" && !/ERR_INTERNET_DISCONNECTED/.test(msg.text())) errors.push(msg.text()); });
  page.on("pageerror", (err) => errors.push(String(err)));
  return { browser, context, page, errors };
}

// `deskTestHooks`: for page.addInitScript, so it runs before the desk page's own script. Sets
// the page's clock speed-up and `globalThis.idb(store, key)`, which reads one record of the
// page's IndexedDB store as the page keeps it. Uses only the page's globals: Playwright sends
// the function's source.
export function deskTestHooks(speed) {
  globalThis.__tonusDeskSpeed = speed;
  globalThis.idb = (store, key) => new Promise((ok, fail) => {
    const open = indexedDB.open(JSON.parse(document.getElementById("desk").dataset.desk).store, 1);
    open.onerror = () => fail(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction(store, "readonly").objectStore(store).get(key);
      get.onsuccess = () => ok(get.result);
      get.onerror = () => fail(get.error);
    };
  });
}
