// The wasm module's per-frame time in Node: node node.mjs WASM_DIR FRAMES_DIR ROUNDS
// Prints one JSON line. Frames come from `cargo run --release -p tonus-wasm --example frames`.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { benchmark } from "./loop.mjs";

const [wasmDir, framesDir, rounds] = process.argv.slice(2);
const { loadPose } = await import(pathToFileURL(join(wasmDir, "pose.mjs")).href);
const meta = JSON.parse(await readFile(join(framesDir, "frames.json"), "utf8"));
const frames = await Promise.all(meta.files.map(async (f) => new Uint8Array(await readFile(join(framesDir, f)))));
const t0 = performance.now();
const pose = await loadPose();
const loadMs = performance.now() - t0;
const result = benchmark(pose, frames, meta.width, meta.height, Number(rounds), () => performance.now());
console.log(JSON.stringify({ runtime: `node ${process.version}`, load_ms: loadMs, ...result }));
