//! The engine and the pose model as the clinic runs them: off the async threads (both are
//! CPU-bound), at most `permits` at a time, with the pose model loaded once on first use and
//! shared by every later call.
//!
//! Left out on purpose: what the engine computes (`tonus-app`, `tonus-core`) and which
//! records it runs on (the use cases).

use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;
use tonus_app::Engine;
use tonus_app::landmarks::{LandmarkFile, Posture, View};
use tonus_app::photo::{ModelKind, PhotoOptions, PoseEstimator};

use crate::error::ClinicError;

/// The shared engine with its concurrency limit.
#[derive(Debug, Clone)]
pub struct Runner {
    engine: Arc<Engine>,
    permits: Arc<Semaphore>,
    estimator: Arc<OnceLock<Result<PoseEstimator, String>>>,
}

impl Runner {
    /// Runs `engine` with at most `permits` calls at once (at least one).
    pub fn new(engine: Engine, permits: usize) -> Result<Self, ClinicError> {
        if permits == 0 {
            return Err(ClinicError::invalid("engine permits must be at least 1"));
        }
        Ok(Self { engine: Arc::new(engine), permits: Arc::new(Semaphore::new(permits)), estimator: Arc::default() })
    }

    /// The engine, for quick calls that need no permit (knowledge-base lookups, rendering).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs `work` on the engine on a blocking thread, once a permit is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ClinicError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, ClinicError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| ClinicError::engine("the engine is shutting down"))?;
        let engine = Arc::clone(&self.engine);
        tokio::task::spawn_blocking(move || work(&engine)).await.map_err(|e| ClinicError::engine(format!("the engine task failed: {e}")))?
    }

    /// Finds the landmarks on a photo with the full pose model; `Ok(None)` when no person is
    /// found. A photo that does not decode is bad input naming `file_name`.
    pub async fn detect(
        &self,
        bytes: Vec<u8>,
        file_name: String,
        view: View,
        posture: Posture,
    ) -> Result<Option<LandmarkFile>, ClinicError> {
        let estimator = Arc::clone(&self.estimator);
        self.run(move |_| {
            let estimator = estimator
                .get_or_init(|| PoseEstimator::new(ModelKind::Full).map_err(|e| e.to_string()))
                .as_ref()
                .map_err(|e| ClinicError::engine(format!("the pose model failed to load: {e}")))?;
            let opts = PhotoOptions { posture, view: Some(view) };
            let result = tonus_app::photo::measure_bytes(estimator, &bytes, &file_name, &opts)?;
            Ok(result.landmarks)
        })
        .await
    }
}
