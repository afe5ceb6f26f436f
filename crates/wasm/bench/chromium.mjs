// The wasm module's per-frame time in headless Chromium (Debian's, through playwright-core from
// crates/web/browser-tests): node chromium.mjs WASM_DIR FRAMES_DIR ROUNDS
// Serves the module and the frames from 127.0.0.1 and runs loop.mjs inside the page. Prints
// one JSON line.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../web/browser-tests/package.json"));
const { chromium } = require("playwright-core");
const [wasmDir, framesDir, rounds] = process.argv.slice(2);
const types = { ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };
const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const [, root, name] = path.match(/^\/(wasm|frames|bench)\/([\w.-]+)$/) ?? [];
  const dir = { wasm: wasmDir, frames: framesDir, bench: here }[root];
  try {
    const body = name === "index.html" ? "<!doctype html><title>bench</title>" : await readFile(join(dir, name));
    res.writeHead(200, { "content-type": types[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  await page.goto(`${base}/bench/index.html`);
  const result = await page.evaluate(async (rounds) => {
    const { loadPose } = await import("/wasm/pose.mjs");
    const { benchmark } = await import("/bench/loop.mjs");
    const meta = await (await fetch("/frames/frames.json")).json();
    const frames = await Promise.all(meta.files.map(async (f) => new Uint8Array(await (await fetch(`/frames/${f}`)).arrayBuffer())));
    const t0 = performance.now();
    const pose = await loadPose();
    const loadMs = performance.now() - t0;
    return { load_ms: loadMs, ...benchmark(pose, frames, meta.width, meta.height, rounds, () => performance.now()) };
  }, Number(rounds));
  console.log(JSON.stringify({ runtime: `chromium ${browser.version()}`, ...result }));
} finally {
  await browser.close();
  server.close();
}
