// Shared by the browser scripts: `check` prints each check and remembers the failures;
// `finish` prints the verdict and ends the run with status 1 when any check failed (the Rust
// test reads the output and the status).
const failures = [];

export function check(condition, message) {
  if (!condition) failures.push(message);
  console.log(`${condition ? "ok  " : "FAIL"} ${message}`);
}

export function finish() {
  if (failures.length) {
    console.log(`${failures.length} failed`);
    process.exit(1);
  }
  console.log("all passed");
}
