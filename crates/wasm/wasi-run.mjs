// Runs a wasm32-wasip1 test binary under Node's WASI (cargo's runner for that target, see
// .cargo/config.toml), so the pose crate's tests exercise its SIMD128 kernels:
//   cargo test -p tonus-pose --lib --target wasm32-wasip1
// The binary sees the working directory and nothing else.
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: "preview1", args: [file, ...args], env: { RUST_BACKTRACE: "0" }, preopens: { ".": "." }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
