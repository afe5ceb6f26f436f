//! Project chores: `cargo xtask tidy` checks the rules CI enforces that rustc and clippy do not:
//! every Rust file starts with a `//!` doc comment, no test uses `should_panic`, every
//! `#[ignore]` gives a reason, and the core depends on no IO crate.
//! It deliberately does not format or fix anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("tidy") => tidy(),
        _ => bail!("usage: cargo xtask tidy"),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
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
    if problems.is_empty() {
        println!("tidy: {} Rust files checked, core dependencies clean", files.len());
        Ok(())
    } else {
        for p in &problems {
            eprintln!("{p}");
        }
        bail!("tidy found {} problem(s)", problems.len())
    }
}
