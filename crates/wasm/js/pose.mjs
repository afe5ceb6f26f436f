// Tonus pose in the browser and in Node: loads tonus_pose.wasm (built by `cargo xtask wasm`
// from crates/wasm) and wraps its C-style exports in a class. Nothing here sends anything
// anywhere: the module has no imports, and frames are analysed and dropped.
//
// In a page:
//   import { loadPose } from "/wasm/pose.mjs";
//   const pose = await loadPose();                 // fetches tonus_pose.wasm beside this file
//   const frame = pose.track(ctx.getImageData(0, 0, w, h));
//
// From the command line, the same JSON as `tonus pose --json --model lite PHOTO`:
//   node target/wasm/pose.mjs PHOTO [--standing]

/** Loads and starts the module. `source` is a URL, a Response, bytes or a compiled
 * WebAssembly.Module; by default the tonus_pose.wasm next to this file. */
export async function loadPose(source) {
  const module = await compile(source ?? new URL("./tonus_pose.wasm", import.meta.url));
  const instance = await WebAssembly.instantiate(module, {});
  const pose = new Pose(instance);
  pose.loaded = pose.call("tonus_init");
  return pose;
}

async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  if (typeof Response !== "undefined" && source instanceof Response) return compileResponse(source);
  const url = source instanceof URL ? source : new URL(String(source), import.meta.url);
  if (url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return WebAssembly.compile(await readFile(url));
  }
  return compileResponse(await fetch(url));
}

async function compileResponse(response) {
  if (!response.ok) throw new Error(`tonus_pose.wasm: ${response.status} ${response.statusText}`);
  if (WebAssembly.compileStreaming && response.headers.get("content-type") === "application/wasm") {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** A failed call: `message` is the module's own words. */
export class PoseError extends Error {}

/** One module instance: one tracked person, one calibration, one baseline. */
export class Pose {
  constructor(instance) {
    this.exports = instance.exports;
    this.decoder = new TextDecoder();
    this.encoder = new TextEncoder();
  }

  /** Calls an export and returns its JSON answer, throwing PoseError on an error answer. */
  call(name, ...args) {
    const code = this.exports[name](...args);
    const ptr = this.exports.tonus_output_ptr();
    const len = this.exports.tonus_output_len();
    // Read after the call: the memory may have grown (and its old buffer detached).
    const text = this.decoder.decode(new Uint8Array(this.exports.memory.buffer, ptr, len));
    if (code !== 0) throw new PoseError(JSON.parse(text).error);
    return JSON.parse(text);
  }

  /** Copies `bytes` (one or more Uint8Arrays, end to end) into the module's input buffer. */
  write(...parts) {
    const len = parts.reduce((n, p) => n + p.length, 0);
    const ptr = this.exports.tonus_input(len);
    const view = new Uint8Array(this.exports.memory.buffer, ptr, len);
    let at = 0;
    for (const p of parts) {
      view.set(p, at);
      at += p.length;
    }
  }

  /** A photo's landmarks, as the text `tonus pose --json --model lite` prints for it. */
  photoJson(bytes, name, { standing = false } = {}) {
    const nameBytes = this.encoder.encode(name);
    this.write(nameBytes, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
    const code = this.exports.tonus_photo(nameBytes.length, standing ? 1 : 0);
    const text = this.decoder.decode(
      new Uint8Array(this.exports.memory.buffer, this.exports.tonus_output_ptr(), this.exports.tonus_output_len()),
    );
    if (code !== 0) throw new PoseError(JSON.parse(text).error);
    return text;
  }

  /** Tracks the person in one frame: an ImageData, or `{ data, width, height }` with RGBA
   * bytes. Returns the frame report (landmarks, quality, geometry, drift). */
  track(frame) {
    this.write(frame.data instanceof Uint8Array ? frame.data : new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength));
    return this.call("tonus_track", frame.width, frame.height);
  }

  /** Forgets the tracked person (the next frame runs the detector). */
  reset() {
    return this.call("tonus_reset");
  }

  /** Starts collecting calibration frames ("sit as you normally sit well"). */
  startCalibration() {
    return this.call("tonus_calibration_start");
  }

  /** Ends the calibration; returns the baseline, which the page keeps. */
  finishCalibration() {
    return this.call("tonus_calibration_finish");
  }

  /** Sets a baseline kept from an earlier calibration. */
  setBaseline(baseline) {
    this.write(this.encoder.encode(JSON.stringify(baseline)));
    return this.call("tonus_baseline_set");
  }

  /** The webcam metrics' names, units, meanings and real-change thresholds. */
  metrics() {
    return this.call("tonus_metrics");
  }
}

async function main(args) {
  const { readFile } = await import("node:fs/promises");
  const files = args.filter((a) => !a.startsWith("--"));
  if (files.length !== 1 || args.some((a) => a.startsWith("--") && a !== "--standing")) {
    process.stderr.write("usage: node pose.mjs PHOTO [--standing]\n");
    return 2;
  }
  const [file] = files;
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (e) {
    process.stderr.write(`error: cannot read ${file}: ${e.message}\n`);
    return 1;
  }
  try {
    const pose = await loadPose();
    process.stdout.write(pose.photoJson(bytes, file, { standing: args.includes("--standing") }));
    return 0;
  } catch (e) {
    process.stderr.write(`error: ${e.message}\n`);
    return 1;
  }
}

if (typeof process !== "undefined" && process.argv?.[1]) {
  const { pathToFileURL } = await import("node:url");
  const { realpathSync } = await import("node:fs");
  if (import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
    process.exitCode = await main(process.argv.slice(2));
  }
}
