// Shared by desk.mjs (the desk test) and desk-cpu.mjs (its CPU benchmark): a practitioner gives
// a demo client (the first, or the `index`th) a login, logs out, and the client logs in and
// sets their own password. Returns the client's page path (/clients/ID).
export async function clientLogsIn(page, base, staff, password, clientPassword, index = 0) {
  const login = index ? `deskclient${index}` : "deskclient";
  await page.goto(`${base}/login`);
  await page.fill("#login", staff);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
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
