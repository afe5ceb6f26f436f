//! Golden test of the browser build: `node target/wasm/pose.mjs PHOTO` on every committed test
//! photo prints the JSON that the native build of the same code prints (what `tonus pose --json
//! --model lite` prints), with the landmarks the posture metrics use (face, shoulders, hips)
//! within 0.1 % of the image diagonal and the limbs within 0.2 %, z, visibility and presence
//! within 0.01, and every other field equal.
//!
//! Needs `cargo xtask wasm` and Node. Without them it says so and passes, unless
//! `TONUS_REQUIRE_WASM=1` (as in `.ci/run`), where a missing module or Node fails it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tonus_wasm::Session;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn photos(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if path.is_dir() {
            photos(&path, out);
        } else if matches!(ext.as_deref(), Some("jpg" | "jpeg" | "png" | "webp")) {
            out.push(path);
        }
    }
}

/// The module, or why the test cannot run.
fn module() -> Result<PathBuf, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let entry = target.join("wasm/pose.mjs");
    if !entry.exists() || !target.join("wasm/tonus_pose.wasm").exists() {
        return Err(format!("{} is missing: run `cargo xtask wasm`", entry.display()));
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(entry),
        _ => Err("node is not installed".into()),
    }
}

#[test]
fn the_wasm_build_measures_every_test_photo_as_the_native_build_does() {
    let entry = match module() {
        Ok(entry) => entry,
        Err(why) if std::env::var("TONUS_REQUIRE_WASM").is_ok_and(|v| v == "1") => panic!("TONUS_REQUIRE_WASM=1 but {why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let mut files = Vec::new();
    photos(&root().join("crates/pose/test_data"), &mut files);
    files.sort();
    assert!(files.len() >= 10, "test photos: {files:?}");
    let mut session = Session::default();
    let mut worst = 0f64;
    let mut worst_other = 0f64;
    let mut worst_limbs = 0f64;
    for file in &files {
        let name = file.strip_prefix(root()).unwrap_or(file).display().to_string();
        let out = Command::new("node").arg(&entry).arg(&name).current_dir(root()).output().unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let wasm: Value = serde_json::from_slice(&out.stdout).unwrap();
        let native: Value = serde_json::from_str(&session.photo_json(&name, &std::fs::read(file).unwrap(), false).unwrap()).unwrap();
        let (Some(a), Some(b)) = (wasm.get("landmarks"), native.get("landmarks")) else {
            assert_eq!(wasm, native, "{name}: no person found by one build only");
            continue;
        };
        let (w, h) = (native["image"]["width"].as_f64().unwrap(), native["image"]["height"].as_f64().unwrap());
        let diagonal = w.hypot(h);
        let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
        assert_eq!(a.len(), 33, "{name}");
        for (i, (p, q)) in a.iter().zip(b).enumerate() {
            let (p, q) = (p.as_array().unwrap(), q.as_array().unwrap());
            let f = |v: &Value| v.as_f64().unwrap();
            let off = ((f(&p[0]) - f(&q[0])) * w).hypot((f(&p[1]) - f(&q[1])) * h) / diagonal;
            // The landmarks the posture metrics use (face, shoulders, hips) within 0.1 % of the
            // diagonal; the limbs within 0.2 %: a hand or foot at the edge of the crop can cross
            // the heatmap refinement's confidence threshold in one build and not the other,
            // which moves it by part of a heatmap cell (seen: 0.16 %, a foot in recline_flip).
            let (limit, worst) = if i <= 12 || i == 23 || i == 24 { (0.001, &mut worst) } else { (0.002, &mut worst_limbs) };
            *worst = worst.max(off);
            assert!(off <= limit, "{name}: landmark {i} is {:.4} % of the diagonal from the native build's", off * 100.0);
            // z, visibility and presence: the kernels round differently (SIMD128 has no fused
            // multiply-add), which moves a logit near 0 by a little more than the coordinates.
            for k in 2..p.len() {
                let d = (f(&p[k]) - f(&q[k])).abs();
                worst_other = worst_other.max(d);
                assert!(d < 0.01, "{name}: landmark {i} value {k}: {} against {}", p[k], q[k]);
            }
        }
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("landmarks");
            v
        };
        assert_eq!(strip(wasm.clone()), strip(native.clone()), "{name}: fields other than the landmarks differ");
    }
    eprintln!(
        "{} photos; largest difference {:.4} % of the image diagonal for the face, shoulders and hips, {:.4} % for the limbs, \
         {worst_other:.5} in z, visibility or presence",
        files.len(),
        worst * 100.0,
        worst_limbs * 100.0
    );
}

#[test]
fn the_node_entry_point_names_a_bad_file() {
    let Ok(entry) = module() else { return };
    let out = Command::new("node").arg(&entry).arg("no-such-photo.jpg").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read no-such-photo.jpg"), "{err}");
    let not_a_photo = root().join("crates/wasm/Cargo.toml");
    let out = Command::new("node").arg(&entry).arg(&not_a_photo).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Cargo.toml") && err.contains("unsupported image format"), "{err}");
}
