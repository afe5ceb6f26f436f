//! Project chores: `cargo xtask tidy` checks the rules CI enforces that rustc and clippy do not:
//! every Rust file starts with a `//!` doc comment, no test uses `should_panic`, every
//! `#[ignore]` gives a reason, the core depends on no IO crate, every dependency comes from
//! crates.io under a permissive licence, and no merged migration was edited.
//! It deliberately does not format or fix anything.
//!
//! `cargo xtask wasm` builds the browser module (`crates/wasm`) into `target/wasm/`:
//! `tonus_pose.wasm`, its wrapper `pose.mjs` and `manifest.json` (sizes and SHA-256 digests,
//! which `tonus serve` uses as the files' ETags).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("tidy") => tidy(),
        Some("wasm") => wasm(),
        _ => bail!("usage: cargo xtask tidy | cargo xtask wasm"),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}

/// Builds `crates/wasm` for `wasm32-unknown-unknown` (SIMD128 on, from `.cargo/config.toml`)
/// with the `wasm-release` profile and lays out `target/wasm/`.
fn wasm() -> anyhow::Result<()> {
    let root = root();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let status = Command::new(env!("CARGO"))
        .args(["build", "--package", "tonus-wasm", "--lib", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"])
        .current_dir(&root)
        .status()
        .context("running cargo build for wasm32-unknown-unknown")?;
    if !status.success() {
        bail!("the wasm build failed; is the target installed? `rustup target add wasm32-unknown-unknown`");
    }
    // Binaryen's optimiser (Debian's `binaryen`), when installed, takes the module from 12.2 to
    // 11.0 MB and makes it slightly faster (measured with crates/wasm/bench/run.sh).
    let raw = target.join("wasm32-unknown-unknown/wasm-release/tonus_wasm.wasm");
    let optimised = target.join("wasm32-unknown-unknown/wasm-release/tonus_pose.opt.wasm");
    let module = match Command::new("wasm-opt").arg("--version").output() {
        Ok(o) if o.status.success() => {
            let status = Command::new("wasm-opt")
                .args(["-Oz", "--enable-simd", "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals"])
                .args(["--enable-nontrapping-float-to-int"])
                .arg(&raw)
                .arg("-o")
                .arg(&optimised)
                .status()
                .context("running wasm-opt")?;
            if !status.success() {
                bail!("wasm-opt failed on {}", raw.display());
            }
            optimised
        }
        _ => {
            eprintln!("note: wasm-opt (Debian's binaryen) is not installed, so the module is not size-optimised (about 10 % larger)");
            raw
        }
    };
    let out = target.join("wasm");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let files = [(module, "tonus_pose.wasm"), (root.join("crates/wasm/js/pose.mjs"), "pose.mjs")];
    let mut manifest = serde_json::Map::new();
    for (from, name) in files {
        let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        std::fs::write(out.join(name), &bytes).with_context(|| format!("writing {}", out.join(name).display()))?;
        let digest = Command::new("sha256sum").arg(out.join(name)).output().context("running sha256sum")?;
        let digest = String::from_utf8_lossy(&digest.stdout).split_whitespace().next().unwrap_or_default().to_owned();
        manifest.insert(name.to_owned(), serde_json::json!({ "bytes": bytes.len(), "sha256": digest }));
        println!("{:>12} bytes  {}", bytes.len(), out.join(name).display());
    }
    std::fs::write(out.join("manifest.json"), serde_json::to_string_pretty(&manifest)? + "\n")?;
    Ok(())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "target" | "node_modules" | ".git") && !name.starts_with("target-") {
                rust_files(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn tidy() -> anyhow::Result<()> {
    let root = root();
    let mut files = Vec::new();
    for dir in ["crates", "xtask"] {
        rust_files(&root.join(dir), &mut files)?;
    }
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        let rel = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            problems.push(format!("{rel}: must start with a //! comment saying what the module is for"));
        }
        let should_panic = ["#[should", "_panic"].concat();
        if text.contains(&should_panic) {
            problems.push(format!("{rel}: uses should_panic; assert on the error instead"));
        }
        for (i, line) in text.lines().enumerate() {
            if line.trim() == "#[ignore]" {
                problems.push(format!("{rel}:{}: #[ignore] needs a reason: #[ignore = \"why\"]", i + 1));
            }
        }
    }
    let tree =
        Command::new(env!("CARGO")).args(["tree", "-p", "tonus-core", "-e", "normal", "--prefix", "none"]).current_dir(&root).output()?;
    let tree = String::from_utf8_lossy(&tree.stdout);
    for banned in ["tokio ", "sqlx ", "axum ", "tract-", "image "] {
        if tree.lines().any(|l| l.starts_with(banned)) {
            problems.push(format!("tonus-core depends on {}: the core does no IO", banned.trim()));
        }
    }
    let deps = licences(&root, &mut problems)?;
    migrations(&root, &mut problems)?;
    if problems.is_empty() {
        println!(
            "tidy: {} Rust files checked, core dependencies clean, {deps} dependencies under permissive licences from crates.io",
            files.len()
        );
        Ok(())
    } else {
        for p in &problems {
            eprintln!("{p}");
        }
        bail!("tidy found {} problem(s)", problems.len())
    }
}

/// Licences a dependency may carry (SPDX ids). Copyleft licences are not on the list.
const ALLOWED: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "CC0-1.0",
    "BSL-1.0",
    "0BSD",
    "Unlicense",
    "MPL-2.0",
    "MIT-0",
    "CDLA-Permissive-2.0",
];

/// Whether an SPDX expression is satisfiable with allowed licences (OR: any side; AND: both).
fn licence_ok(expr: &str) -> bool {
    let expr = expr.replace('/', " OR ").replace(['(', ')'], " ");
    expr.split(" OR ").any(|alt| {
        alt.split(" AND ").all(|term| {
            let id = term.split(" WITH ").next().unwrap_or("").trim();
            ALLOWED.contains(&id)
        })
    })
}

/// Checks every package in the dependency graph: licence allowed, source crates.io or the
/// workspace. Returns how many packages were checked.
fn licences(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<usize> {
    let out = Command::new(env!("CARGO")).args(["metadata", "--format-version", "1"]).current_dir(root).output()?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let packages = meta["packages"].as_array().context("cargo metadata has no packages")?;
    for p in packages {
        let name = p["name"].as_str().unwrap_or("?");
        let version = p["version"].as_str().unwrap_or("?");
        match p["source"].as_str() {
            None => continue, // a workspace member
            Some(s) if s.starts_with("registry+https://github.com/rust-lang/crates.io-index") => {}
            Some(s) => problems.push(format!("{name} {version} comes from {s}, not crates.io")),
        }
        match p["license"].as_str() {
            Some(l) if licence_ok(l) => {}
            Some(l) => problems.push(format!("{name} {version} is licensed {l}, which is not on the allowed list")),
            None => problems.push(format!("{name} {version} declares no licence")),
        }
    }
    Ok(packages.len())
}

/// Merged migrations are never edited: each file's SHA-256 must match the list in
/// `crates/store/migrations/CHECKSUMS` (written when the migration lands), the list must exist,
/// and every migration file of both backends must be on it.
fn migrations(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let dir = root.join("crates/store/migrations");
    let list = dir.join("CHECKSUMS");
    let Ok(text) = std::fs::read_to_string(&list) else {
        problems.push(format!("{} is missing: every migration must be listed with its sha256sum", list.display()));
        return Ok(());
    };
    let mut listed = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let Some((sum, file)) = line.split_once("  ") else {
            problems.push(format!("{}: malformed line {line:?}", list.display()));
            continue;
        };
        listed.push(file.trim().to_owned());
        let out = Command::new("sha256sum").arg(dir.join(file.trim())).output()?;
        let actual = String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("").to_string();
        if actual != sum {
            problems.push(format!("migration {file} was edited after it landed (or is missing); add a new migration instead"));
        }
    }
    for backend in ["sqlite", "postgres"] {
        for entry in std::fs::read_dir(dir.join(backend))? {
            let name = format!("{backend}/{}", entry?.file_name().to_string_lossy());
            if name.ends_with(".sql") && !listed.contains(&name) {
                problems.push(format!("migration {name} is not in {}: append its `sha256sum` line", list.display()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::licence_ok;

    #[test]
    fn spdx_expressions() {
        assert!(licence_ok("MIT OR Apache-2.0"));
        assert!(licence_ok("MIT/Apache-2.0"));
        assert!(licence_ok("(MIT OR Apache-2.0) AND Unicode-3.0"));
        assert!(licence_ok("Apache-2.0 WITH LLVM-exception"));
        assert!(!licence_ok("GPL-3.0"));
        assert!(!licence_ok("MIT AND GPL-2.0"));
        assert!(licence_ok("GPL-2.0 OR MIT"));
    }
}
