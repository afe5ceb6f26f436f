//! The `tonus` binary end to end: the README's main job, every subcommand's output format, and
//! the documented exit codes for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The desk worker's example, side photo and all, assessed as the report's JSON.
const DESK_WORKER_JSON: [&str; 7] =
    ["assess", "--intake", "examples/desk-worker.toml", "--landmarks", "examples/landmarks/desk-worker-side.json", "--format", "json"];
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tonus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tonus")).args(args).current_dir(root()).env_remove("TONUS_CONFIG").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn readme_main_job() {
    let o = tonus(&["assess", "--intake", "examples/desk-worker.toml", "--landmarks", "examples/landmarks/desk-worker-side.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("TONUS ASSESSMENT — Alex Morgan (persona)"));
    assert!(out.contains("PATTERN: Upper crossed pattern applies"), "{out}");
}

#[test]
fn formats() {
    let o = tonus(&["assess", "--intake", "examples/driver.toml", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format_version"], tonus_app::report::FORMAT_VERSION);
    assert_eq!(v["red_flags"]["status"], "clear");
    // The client reads the massage in plain words; the JSON keeps the report's names.
    let client = stdout(&tonus(&[&DESK_WORKER_JSON[..5], &["--audience", "client"]].concat()));
    assert!(client.contains("long, gliding strokes") && !client.contains("Effleurage"), "{client}");
    let o = tonus(&["assess", "--intake", "examples/red-flag.toml", "--format", "html"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("No plan:"));
    let o = tonus(&["simulate", "--intake", "examples/desk-worker.toml", "--weeks", "52", "--adherence", "0.7", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 54);
    let o = tonus(&["knowledge", "show", "upper_trapezius"]);
    assert!(stdout(&o).starts_with("[[muscle]]"));
    let o = tonus(&["knowledge", "list"]);
    assert!(stdout(&o).lines().count() > 150);
    let o = tonus(&["config", "example"]);
    assert!(stdout(&o).contains("[simulate]"));
}

#[test]
fn exit_codes() {
    // 2: usage.
    assert_eq!(tonus(&["assess"]).status.code(), Some(2));
    // 1: a file that does not exist, named.
    let o = tonus(&["assess", "--intake", "nope.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("error: cannot read nope.toml:"), "{}", stderr(&o));
    // 3: invalid input, naming the file and field.
    let dir = tempdir();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "assessed_on = \"2026-01-01\"\n[client]\nname = \"x\"\nage = 400\n").unwrap();
    let o = tonus(&["assess", "--intake", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stderr(&o), format!("error: {}: field \"client.age\": must be between 10 and 120\n", bad.display()));
    let o = tonus(&["simulate", "--intake", "examples/driver.toml", "--adherence", "1.5"]);
    assert_eq!(o.status.code(), Some(3));
    let o = tonus(&["knowledge", "show", "no_such_thing"]);
    assert_eq!(o.status.code(), Some(3));
    // 4: a bad knowledge override, naming file, entry and field.
    let kdir = dir.join("k");
    std::fs::create_dir_all(&kdir).unwrap();
    std::fs::write(kdir.join("measures.toml"), "[[measure]]\nid = \"ear_shoulder_angle\"\ncutoff_below = \"low\"\n").unwrap();
    let o = tonus(&["--knowledge", kdir.to_str().unwrap(), "assess", "--intake", "examples/driver.toml"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("measures.toml: measure \"ear_shoulder_angle\": field \"cutoff_below\""), "{}", stderr(&o));
    // A good override changes a threshold without rebuilding.
    std::fs::write(kdir.join("measures.toml"), "[[measure]]\nid = \"ear_shoulder_angle\"\ncutoff_below = 20.0\n").unwrap();
    let o = tonus(&[&["--knowledge", kdir.to_str().unwrap()][..], &DESK_WORKER_JSON].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let esa = v["photos"][0]["metrics"].as_array().unwrap().iter().find(|m| m["id"] == "ear_shoulder_angle").unwrap().clone();
    assert_eq!(esa["reading"]["status"], "measured");
    // Over the lowered cut-off, still under the normal range.
    assert_eq!(esa["reading"]["finding"], "below_norm");
    // 3: a client id that is not one, or that no client has.
    let data = dir.join("clinic");
    let data = data.to_str().unwrap();
    let o = tonus(&["client", "--data-dir", data, "erase", "not-an-id", "--yes"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("tonus client list"), "{}", stderr(&o));
    let o = tonus(&["client", "--data-dir", data, "export", "01a2289f-b988-7746-a968-cc79bb3a019d", "--out", &format!("{data}/x.zip")]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("no client has the id"), "{}", stderr(&o));
    // 4: a bad configuration file.
    let cfg = dir.join("tonus.toml");
    std::fs::write(&cfg, "[assess]\nformat = \"pdf\"\n").unwrap();
    let o = tonus(&["--config", cfg.to_str().unwrap(), "assess", "--intake", "examples/driver.toml"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("assess.format \"pdf\" is not one of text, json, html"), "{}", stderr(&o));
    // tonus desk: only this computer (4), a days file that is not its own, a report that is
    // not one (3); the file is left as it was.
    let o = tonus(&["desk", "--listen", "0.0.0.0:8091"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("this computer only"), "{}", stderr(&o));
    let notes = dir.join("notes.json");
    std::fs::write(&notes, "{\"shopping\": []}").unwrap();
    let o = tonus(&["desk", "--days", notes.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a Tonus desk days file"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "{\"shopping\": []}");
    let o = tonus(&["desk", "--report", "examples/driver.toml"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("examples/driver.toml"), "{}", stderr(&o));
}

/// A fresh directory under the target dir (no extra dependency for temp dirs).
fn tempdir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn progress_over_two_reports() {
    let dir = tempdir().join("progress");
    std::fs::create_dir_all(&dir).unwrap();
    let base = stdout(&tonus(&DESK_WORKER_JSON));
    std::fs::write(dir.join("a.json"), &base).unwrap();
    // Six weeks later: better endurance, less disability, same photo.
    let later = std::fs::read_to_string(root().join("examples/desk-worker.toml"))
        .unwrap()
        .replace("2026-11-24", "2027-01-05")
        .replace("dnf_endurance_s = 14", "dnf_endurance_s = 35")
        .replace("headaches = 3", "headaches = 1")
        .replace("reading = 2", "reading = 0")
        .replace("concentration = 2", "concentration = 0")
        .replace("work = 2", "work = 0")
        .replace("pain_intensity = 2", "pain_intensity = 1");
    std::fs::write(dir.join("later.toml"), later).unwrap();
    let o = tonus(&[
        "assess",
        "--intake",
        dir.join("later.toml").to_str().unwrap(),
        "--landmarks",
        "examples/landmarks/desk-worker-side.json",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(dir.join("b.json"), stdout(&o)).unwrap();
    let o = tonus(&["progress", dir.join("b.json").to_str().unwrap(), dir.join("a.json").to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let find = |id: &str| v.as_array().unwrap().iter().find(|s| s["id"] == id).unwrap().clone();
    // DNF endurance: +21 s beyond the 18 s real-change threshold.
    assert_eq!(find("dnf_endurance")["change"]["verdict"], "improved");
    // NDI: 14 → 7, beyond the MDC of 5 but not the meaningful 10.
    let ndi = find("ndi");
    assert_eq!(ndi["change"]["verdict"], "improved");
    assert_eq!(ndi["change"]["meaningful"], false);
    // The same photo: no change, which is noise; photo metrics are series per view and posture.
    assert_eq!(find("ear_shoulder_angle/side-right/sitting")["change"]["verdict"], "noise");
    let html =
        stdout(&tonus(&["progress", dir.join("a.json").to_str().unwrap(), dir.join("b.json").to_str().unwrap(), "--format", "html"]));
    assert!(html.contains("<svg") && html.contains("real-change threshold"));
    // The same report twice is refused, naming the second file.
    let o = tonus(&["progress", dir.join("a.json").to_str().unwrap(), dir.join("a.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("a.json: the same report as"), "{}", stderr(&o));
    // An intake that is not text is bad input (3), not a failure to read.
    std::fs::write(dir.join("latin1.toml"), b"[client]\nname = \"Ren\xe9\"\n").unwrap();
    let o = tonus(&["assess", "--intake", dir.join("latin1.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("latin1.toml: not UTF-8 text"), "{}", stderr(&o));
    // A file that is not a report names itself.
    std::fs::write(dir.join("bad.json"), "{}").unwrap();
    let o = tonus(&["progress", dir.join("bad.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("bad.json:1:2: missing field"), "{}", stderr(&o));
}

const HUNCHBACK: &str = "crates/pose/test_data/side/sitting_posture_recognition/hunchback.jpg";
const STRAIGHT: &str = "crates/pose/test_data/side/sitting_posture_recognition/straight_flip.jpg";
const ASTRONAUT: &str = "crates/pose/test_data/front/misc/skimage_astronaut.png";

#[test]
fn pose_on_a_real_photo() {
    let dir = tempdir().join("pose");
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("hunchback.png");
    let o = tonus(&["pose", HUNCHBACK, "--json", "--annotate", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["landmarks"].as_array().unwrap().len(), 33);
    assert_eq!(v["capture"]["source"], "automatic");
    assert_eq!(v["capture"]["model"], "blazepose-full");
    assert_eq!((v["image"]["width"].as_u64(), v["image"]["height"].as_u64()), (Some(720), Some(1280)));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // The landmarks feed `assess` and agree with MediaPipe's own within a couple of degrees.
    let lm = dir.join("hunchback.json");
    std::fs::write(&lm, stdout(&o)).unwrap();
    // (The person leans too far forward for the report's gated angles, so the angle of the
    // ear above the shoulder is computed here from the landmarks of each file.)
    let angle = |file: &str| {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
        let (w, h) = (v["image"]["width"].as_f64().unwrap(), v["image"]["height"].as_f64().unwrap());
        let p = |i: usize| (v["landmarks"][i][0].as_f64().unwrap() * w, v["landmarks"][i][1].as_f64().unwrap() * h);
        let ((ex, ey), (sx, sy)) = (p(8), p(12));
        (sy - ey).atan2((ex - sx).abs()).to_degrees()
    };
    let ours = angle(lm.to_str().unwrap());
    let mediapipe = angle("examples/landmarks/red-flag-side.json");
    assert!((ours - mediapipe).abs() < 2.0, "ours {ours:.2}° vs MediaPipe {mediapipe:.2}°");
}

#[test]
fn assess_from_photos() {
    let o = tonus(&["assess", "--intake", "examples/driver.toml", "--photo", STRAIGHT, "--photo", ASTRONAUT, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let photos = r["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[0]["view"], "side-right");
    assert_eq!(photos[1]["view"], "front");
    assert_eq!(photos[0]["model"], "blazepose-full");
    assert!(photos[0]["model_version"].as_str().unwrap().starts_with("mediapipe-pose "));
    // The right side photo finds the right side; exposure alone only suspects.
    let muscle = |m: &str| r["story"]["muscles"].as_array().unwrap().iter().find(|x| x["id"] == m).unwrap().clone();
    let right = |m: &str| (muscle(m)["right"]["status"].clone(), muscle(m)["right"]["state"].clone());
    assert_eq!(right("upper_trapezius"), ("found".into(), "overactive".into()));
    assert_eq!(right("levator_scapulae"), ("found".into(), "overactive".into()));
    assert_eq!(muscle("pectoralis_minor")["left"]["status"], "suspected");
}

#[test]
fn pose_bad_photos_and_batches() {
    let dir = tempdir().join("batch");
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join("notes.jpg");
    std::fs::write(&fake, "this is a text file, not a photo").unwrap();
    let o = tonus(&["pose", fake.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("notes.jpg"), "{}", stderr(&o));
    let o = tonus(&["assess", "--intake", "examples/driver.toml", "--photo", fake.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    // A folder is a batch: every photo is measured, one line each, annotations in a folder.
    for p in [HUNCHBACK, STRAIGHT, ASTRONAUT] {
        std::fs::copy(root().join(p), dir.join(Path::new(p).file_name().unwrap())).unwrap();
    }
    std::fs::remove_file(&fake).unwrap();
    let out = dir.join("annotated");
    let o = tonus(&["pose", dir.to_str().unwrap(), "--model", "lite", "--annotate", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 3, "{}", stdout(&o));
    assert!(stdout(&o).lines().all(|l| l.contains("1 person found")), "{}", stdout(&o));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
}
