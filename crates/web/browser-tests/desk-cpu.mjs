// CPU of the desk page in Chromium, a benchmark rather than a test:
//   node desk-cpu.mjs <base-url> <staff-login> <password> <camera.y4m> [SECONDS]
// Runs the desk page on a fake camera fed the y4m (after calibration) for SECONDS (default
// 600) and prints the CPU time of all of Chromium's processes together (browser, renderer,
// GPU, utility), from /proc, as a percentage of one core, and their resident memory at the
// end, both as RSS summed (shared pages counted once per process, an upper bound) and as PSS
// summed (shared pages split among their processes: what the browser holds), with the page's
// frame rate and the CPU by process type; and, by process type, the private footprint
// (RssAnon + VmSwap from /proc/PID/status: the memory Chromium's own Task Manager shows as
// "Memory footprint", without the shared pages of Chromium's executable). Needs a
// server with the demo personas (crates/wasm/bench/desk_cpu.sh starts one).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { clientLogsIn } from "./desk-client.mjs";

const [base, staff, password, camera, seconds = "600"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "tonus-desk-cpu-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${camera}`],
  viewport: { width: 1280, height: 900 },
});
// Every Chromium process of this run carries the profile directory on its command line, or
// is the child of one that does (renderers name it through their parent).
function chromiumJiffies() {
  let total = 0;
  const ours = new Set();
  const stats = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const type = (cmd.match(/--type=([\w-]+)/) || [null, "browser"])[1] + ((cmd.match(/--utility-sub-type=([\w.]+)/) || [])[1] ? ":" + cmd.match(/--utility-sub-type=([\w.]+)/)[1] : "");
      stats.push({ pid, ppid: fields[1], type, jiffies: Number(fields[11]) + Number(fields[12]), ours: cmd.includes(profile) });
    } catch {}
  }
  for (const s of stats) if (s.ours) ours.add(s.pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) if (!ours.has(s.pid) && ours.has(s.ppid)) { ours.add(s.pid); grew = true; }
  }
  let rss = 0;
  let total_pss = 0;
  const pssByType = {};
  const privateByType = {};
  const renderers = {};
  const byType = {};
  for (const s of stats) {
    if (!ours.has(s.pid)) continue;
    total += s.jiffies;
    byType[s.type] = (byType[s.type] || 0) + s.jiffies;
    try {
      rss += Number(readFileSync(`/proc/${s.pid}/statm`, "utf8").split(" ")[1]) * 4096;
      // PSS: each shared page split among the processes sharing it, so the sum is the memory
      // the browser as a whole holds.
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${s.pid}/smaps_rollup`, "utf8"));
      const status = readFileSync(`/proc/${s.pid}/status`, "utf8");
      const kb = (field) => Number((new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status) || [0, 0])[1]);
      privateByType[s.type] = (privateByType[s.type] || 0) + (kb("RssAnon") + kb("VmSwap")) * 1024;
      if (s.type === "renderer") renderers[s.pid] = { jiffies: s.jiffies, pss: pss ? Number(pss[1]) * 1024 : 0, private: (kb("RssAnon") + kb("VmSwap")) * 1024 };
      if (pss) {
        total_pss += Number(pss[1]) * 1024;
        pssByType[s.type] = (pssByType[s.type] || 0) + Number(pss[1]) * 1024;
      }
    } catch {}
  }
  return { total, processes: ours.size, rss, pss: total_pss, pssByType, privateByType, byType, renderers };
}
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await context.grantPermissions(["camera"], { origin: base });
  await clientLogsIn(page, base, staff, password, "desk cpu client password");
  await page.goto(`${base}/desk`);
  await page.click("#start");
  await page.waitForFunction(() => document.getElementById("desk").dataset.state === "watching", null, { timeout: 60000 });
  const frames0 = await page.evaluate(() => performance.now());
  const start = chromiumJiffies();
  const t0 = Date.now();
  await new Promise((ok) => setTimeout(ok, Number(seconds) * 1000));
  const end = chromiumJiffies();
  const wall = (Date.now() - t0) / 1000;
  const state = await page.evaluate(() => document.getElementById("desk").dataset.state);
  const clk = 100; // USER_HZ on Linux
  const cpu = (end.total - start.total) / clk / wall * 100;
  const by_process_type = Object.fromEntries(Object.keys(end.byType).map((k) => [k, Number(((end.byType[k] - (start.byType[k] || 0)) / clk / wall * 100).toFixed(2))]));
  // The page's renderer is the one that ran the module: the most CPU over the run. Chromium
  // also keeps a spare renderer and one of its own (about 75 MB, there with a blank page too).
  const [pagePid, pageRenderer] = Object.entries(end.renderers)
    .map(([pid, r]) => [pid, { ...r, cpu: r.jiffies - (start.renderers[pid]?.jiffies ?? 0) }])
    .sort((a, b) => b[1].cpu - a[1].cpu)[0];
  const page_renderer = {
    cpu_percent_of_one_core: Number((pageRenderer.cpu / clk / wall * 100).toFixed(2)),
    pss_mb: Math.round(pageRenderer.pss / 1e6),
    private_footprint_mb: Math.round(pageRenderer.private / 1e6),
    other_renderers_pss_mb: Object.entries(end.renderers).filter(([pid]) => pid !== pagePid).map(([, r]) => Math.round(r.pss / 1e6)),
  };
  console.log(JSON.stringify({ page_renderer, seconds: wall, cpu_percent_of_one_core: Number(cpu.toFixed(2)), by_process_type, processes: end.processes, rss_mb_all_processes: Math.round(end.rss / 1e6), pss_mb_all_processes: Math.round(end.pss / 1e6), pss_mb_by_process_type: Object.fromEntries(Object.entries(end.pssByType).map(([k, v]) => [k, Math.round(v / 1e6)])), private_footprint_mb_by_process_type: Object.fromEntries(Object.entries(end.privateByType).map(([k, v]) => [k, Math.round(v / 1e6)])), frames: await page.locator("#desk").getAttribute("data-frames"), state, frames_per_second: JSON.parse(await page.locator("#desk").getAttribute("data-desk")).settings.frames_per_second, page_ms: frames0 }));
} finally {
  await context.close();
}
