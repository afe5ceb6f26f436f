//! `tonus pose` and the photo part of `tonus assess --photo`: runs the pose model on photos (one
//! by one, or a folder in a batch on every core with a progress bar), prints landmarks as the
//! engine's landmark files, and writes annotated images. The pixels and the model are the pose
//! crate's; what a measurement records is the app's.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;
use tonus_app::photo::{self, PhotoOptions, PhotoResult};
use tonus_app::{AppError, Engine};
use tonus_pose::{ModelKind, PoseEstimator};

/// Which landmark model.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Model {
    /// Faster, a little less accurate.
    Lite,
    /// The default for photos.
    Full,
}

impl Model {
    /// The pose crate's kind.
    pub fn kind(self) -> ModelKind {
        match self {
            Model::Lite => ModelKind::Lite,
            Model::Full => ModelKind::Full,
        }
    }
}

/// Sitting or standing, as given on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PostureArg {
    /// Sitting.
    Sitting,
    /// Standing.
    Standing,
}

/// The view, as given on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ViewArg {
    /// The person's left side toward the camera.
    SideLeft,
    /// The person's right side toward the camera.
    SideRight,
    /// Facing the camera.
    Front,
}

/// Photo options from flags.
pub fn options(posture: PostureArg, view: Option<ViewArg>) -> PhotoOptions {
    use tonus_app::landmarks::{Posture, View};
    PhotoOptions {
        posture: match posture {
            PostureArg::Sitting => Posture::Sitting,
            PostureArg::Standing => Posture::Standing,
        },
        view: view.map(|v| match v {
            ViewArg::SideLeft => View::SideLeft,
            ViewArg::SideRight => View::SideRight,
            ViewArg::Front => View::Front,
        }),
    }
}

/// Expands folders into the image files they hold.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, AppError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(photo::images_in(p)?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Runs the model on every photo: one at a time for a few, on every core with a progress bar
/// for many. Each photo's failure is kept with it; one bad file does not stop the batch.
pub fn measure_all(estimator: &PoseEstimator, paths: &[PathBuf], opts: &PhotoOptions) -> Vec<(PathBuf, Result<PhotoResult, AppError>)> {
    if paths.len() < 3 {
        return paths.iter().map(|p| (p.clone(), photo::measure(estimator, p, opts))).collect();
    }
    let bar = indicatif::ProgressBar::new(paths.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} photos [{bar:30}] {elapsed} (eta {eta})")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    let results = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(paths.len());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = paths.get(i) else { break };
                    let r = photo::measure(estimator, p, opts);
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, p.clone(), r));
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let mut v = results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    v.sort_by_key(|(i, ..)| *i);
    v.into_iter().map(|(_, p, r)| (p, r)).collect()
}

/// Where the annotated image of `photo` goes: `out` itself for one photo, or
/// `out/<stem>.annotated.png` when `out` is a folder or there are several photos.
pub fn annotation_path(out: &Path, photo: &Path, several: bool) -> PathBuf {
    if several || out.is_dir() {
        let stem = photo.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
        out.join(format!("{stem}.annotated.png"))
    } else {
        out.to_path_buf()
    }
}

/// Writes the annotated image.
pub fn write_annotation(result: &PhotoResult, engine: &Engine, path: &Path) -> anyhow::Result<()> {
    let png = photo::annotated_png(result, engine.kb())?;
    std::fs::write(path, png).with_context(|| format!("cannot write {}", path.display()))
}

/// One line per photo for the terminal.
pub fn summary(r: &PhotoResult) -> String {
    let t = &r.estimate.timings;
    format!(
        "{}: {}x{} px, {}; decode {:.0} ms, model {:.0} ms",
        r.file,
        r.estimate.width,
        r.estimate.height,
        r.people(),
        r.image.decode_time().as_secs_f64() * 1000.0,
        t.total.as_secs_f64() * 1000.0
    )
}
