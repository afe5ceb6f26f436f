// A complete assessment typed into the form by hand, counting the interactions it takes:
//   node assessment-form.mjs <base-url> <staff-login> <password>
// Run by crates/web/tests/browser.rs with the demo personas loaded. The data are the desk
// worker's intake (examples/desk-worker.toml; four of its five palpation rows, which is what
// the form offers). A field already holding the wanted value (a select's default) is not
// touched and not counted, as a therapist would not touch it. The red-flag screen is answered
// with each category's "None of these". Before the grouped screen, the same assessment took
// 126 interactions; the test fails above 85, so the form cannot quietly grow back.

import { chromium } from "playwright-core";
import { check, finish } from "./checks.mjs";

const [base, staff, password] = process.argv.slice(2);

// [field name, value]: text and number fields are typed, selects chosen, `[]` checks boxes.
const intake = [
  ["client.name", "Alex Morgan (typed)"], ["client.sex", "female"], ["client.age", "34"],
  ["exposure.sitting.desk", "8.5"], ["exposure.sitting.sofa", "2"], ["exposure.sitting.train", "1"],
  ["exposure.hands_forward.computer", "8"], ["exposure.hands_forward.tablet", "0.5"], ["exposure.hands_forward.phone", "2.5"],
  ["exposure.longest_bout_min", "150"],
  ["exposure.workstation.laptop_only", "yes"], ["exposure.workstation.headset_for_calls", "no"], ["exposure.workstation.call_hours", "1.5"],
  ["exposure.after_work.exercise_hours_per_week", "1"], ["exposure.after_work.lifting_carrying_hours_per_week", "1"], ["exposure.after_work.bag_on_one_shoulder", "yes"],
  ["symptoms.pain[0].region", "interscapular"], ["symptoms.pain[0].intensity", "6"], ["symptoms.pain[0].side", "both"],
  ["symptoms.pain[1].region", "neck_posterolateral"], ["symptoms.pain[1].intensity", "4"], ["symptoms.pain[1].side", "both"],
  ["symptoms.headache.days_per_month", "8"], ["symptoms.headache.locations", ["temple", "occipital"]], ["symptoms.headache.severity", "moderate"],
  ["symptoms.headache.bilateral", "yes"], ["symptoms.headache.pressing", "yes"], ["symptoms.headache.worse_with_activity", "no"],
  ["symptoms.headache.nausea", "no"], ["symptoms.headache.photophobia", "no"], ["symptoms.headache.phonophobia", "no"], ["symptoms.headache.provoked_by_neck", "no"],
  ["outcomes.ndi.pain_intensity", "2"], ["outcomes.ndi.personal_care", "0"], ["outcomes.ndi.lifting", "1"], ["outcomes.ndi.reading", "2"],
  ["outcomes.ndi.headaches", "3"], ["outcomes.ndi.concentration", "2"], ["outcomes.ndi.work", "2"], ["outcomes.ndi.driving", "0"],
  ["outcomes.ndi.sleeping", "1"], ["outcomes.ndi.recreation", "1"],
  ["outcomes.nprs.now", "4"], ["outcomes.nprs.worst_24h", "6"], ["outcomes.nprs.average_week", "5"],
  ["outcomes.psfs.version", "1"],
  ["outcomes.psfs.items[0].activity", "Two hours at the laptop without stopping"], ["outcomes.psfs.items[0].score", "4"],
  ["outcomes.psfs.items[1].activity", "Carrying the shopping home"], ["outcomes.psfs.items[1].score", "6"],
  ["outcomes.psfs.items[2].activity", "Reading in bed"], ["outcomes.psfs.items[2].score", "5"],
  ["tests.dnf_endurance_s", "14"], ["tests.ccft_mmhg", "22"],
  ["tests.lower_trapezius_grade.left", "4"], ["tests.lower_trapezius_grade.right", "4"],
  ["tests.scapular_dyskinesis.left", "subtle"], ["tests.scapular_dyskinesis.right", "subtle"],
  ["tests.pec_minor_index.left", "8.9"], ["tests.pec_minor_index.right", "9.4"],
  ["tests.upper_trapezius_length.left", "reduced"], ["tests.upper_trapezius_length.right", "normal"],
  ["tests.levator_length.left", "normal"], ["tests.levator_length.right", "normal"],
  ["palpation[0].muscle", "upper_trapezius"], ["palpation[0].side", "left"], ["palpation[0].tone", "increased"], ["palpation[0].tenderness", "2"], ["palpation[0].familiar_pain", "yes"],
  ["palpation[1].muscle", "pectoralis_minor"], ["palpation[1].side", "both"], ["palpation[1].tone", "increased"], ["palpation[1].tenderness", "2"],
  ["palpation[2].muscle", "pectoralis_major"], ["palpation[2].side", "both"], ["palpation[2].tone", "increased"], ["palpation[2].tenderness", "1"],
  ["palpation[3].muscle", "suboccipitals"], ["palpation[3].side", "both"], ["palpation[3].tone", "increased"], ["palpation[3].tenderness", "2"], ["palpation[3].familiar_pain", "yes"],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.goto(`${base}/login`);
  await page.fill("#login", staff);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await page.goto(`${base}/clients`);
  const client = await page.locator("a[href^='/clients/']").filter({ hasNotText: "New" }).first().getAttribute("href");
  await page.goto(`${base}${client}/assessments/new`);

  // The client's details come first, then the red-flag screen.
  const legends = await page.locator("form > fieldset > legend").allTextContents();
  check(legends[0] === "Client" && legends[1].startsWith("Red-flag screen"), `the client first, then the red-flag screen (${legends.slice(0, 2).join(", ")})`);
  const questions = await page.locator("fieldset.yesno").count();
  check(questions > 0 && questions === (await page.locator("fieldset.yesno > legend").count()), `every red-flag question is a fieldset with a legend (${questions})`);

  const ndiHints = await page.locator("select[name^='outcomes.ndi.'] ~ .hint").allTextContents();
  check(ndiHints.length === 10 && ndiHints.every((h) => /^0: .+\. 5: .+\.$/.test(h)), `each NDI item says what 0 and 5 mean (${ndiHints[0]})`);

  // The body chart fills the pain rows: a side, the other side (both), a midline region;
  // pressed again, each comes out and the rows are empty again.
  const chart = page.locator("[data-body-chart]");
  const rows = () => page.evaluate(() => [0, 1].map((i) => ["region", "side"].map((f) => document.querySelector(`[name='symptoms.pain[${i}].${f}']`).value).join(":")));
  await chart.locator("[data-region=upper_shoulder][data-side=left]").click();
  await chart.locator("[data-region=upper_shoulder][data-side=right]").click();
  await chart.locator("[data-region=low_back]").focus();
  await page.keyboard.press("Enter");
  const picked = await rows();
  check(picked.join(",") === "upper_shoulder:both,low_back:centre", `the body chart puts regions and sides in the pain rows (${picked})`);
  check(await chart.locator("[aria-pressed=true]").count() === 3, "and shows them pressed");
  await chart.locator("[data-region=upper_shoulder][data-side=left]").click();
  const oneSide = await rows();
  check(oneSide[0] === "upper_shoulder:right", `pressing one side again leaves the other (${oneSide[0]})`);
  await chart.locator("[data-region=upper_shoulder][data-side=right]").click();
  await chart.locator("[data-region=low_back]").click();
  const cleared = await rows();
  check(cleared.join(",") === ":both,:both", `and taking them out empties the rows (${cleared})`);

  let interactions = 0;
  for (const [name, value] of intake) {
    const field = page.locator(`[name="${name}"]`).first();
    const tag = await field.evaluate((el) => el.tagName.toLowerCase());
    if (Array.isArray(value)) {
      for (const v of value) {
        await page.check(`input[name="${name}"][value="${v}"]`);
        interactions += 1;
      }
    } else if (tag === "select") {
      if ((await field.inputValue()) === value) continue;
      await field.selectOption(value);
      interactions += 1;
    } else {
      await field.fill(value);
      interactions += 1;
    }
  }
  // The red-flag screen: "None of these" per category folds and answers its questions.
  const boxes = page.locator("[data-none-of-these]");
  const categories = await boxes.count();
  for (let i = 0; i < categories; i++) {
    await boxes.nth(i).check();
    interactions += 1;
  }
  const unanswered = await page.evaluate(() =>
    [...document.querySelectorAll("fieldset.yesno")].filter((f) => !f.querySelector("input:checked")).length);
  check(unanswered === 0, `"None of these" answers every question of its category (${unanswered} unanswered)`);
  check(await page.locator(".rf-items[hidden]").count() === categories, "and folds them");

  // A yes unticks its category's box and shows its questions again.
  const first = page.locator(".rf-items").first();
  await boxes.first().uncheck();
  await first.locator("input[value=yes]").first().check();
  await first.locator("input[value=no]").first().check();
  await boxes.first().check();
  check(await boxes.first().isChecked(), "ticking it again after a change of mind works");

  await Promise.all([page.waitForNavigation(), page.click("button[value=complete]")]);
  interactions += 1;
  check(/\/assessments\/[0-9a-f-]{36}$/.test(new URL(page.url()).pathname), `completing opens the report (at ${new URL(page.url()).pathname})`);
  const report = await page.locator("main").innerText();
  check(/Alex Morgan \(typed\)/.test(report), "the report is the typed client's");
  check(!/Red flag: /.test(report) && /plan/i.test(report), "no red flag, and a plan");
  console.log(`interactions: ${interactions} (${categories} red-flag categories, ${questions} questions)`);
  check(interactions <= 85, `a complete assessment by hand takes ${interactions} interactions (was 126)`);
  check(errors.length === 0, `no page errors (${errors.join("; ") || "none"})`);
} finally {
  await browser.close();
}
finish();
