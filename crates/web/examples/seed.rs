//! Seeds a store for the load test (`crates/web/load/run.sh`): N clients × M completed
//! assessments, each with its landmark sets, report and plan.
//!
//! The engine runs only for the demo personas (`tonus_web::load_demo_into`, which also creates
//! the login the load test uses, with standard password hashing); every seeded assessment then
//! reuses one persona's stored intake, landmarks, report and plan with the client's name put
//! in, written through the `Store` trait like the app writes them. Clients are seeded by
//! several tasks at once (the store's pool decides how many writes really overlap).
//! Prints `client=<id>` and `assessment=<id>` of one seeded record for the load test to hit.
//!
//! Usage: `seed --data-dir DIR --database URL --clients 1000 --assessments 5 --login L --password P`.
//! Left out on purpose: photos (their files would only measure the disk) and drafts.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tonus_store::{
    AssessmentStatus, ClientQuery, CompleteAssessment, LandmarkSet, NewAssessment, NewClient, NewLandmarkSet, Store, StoreConfig,
};
use tonus_web::{PasswordCost, Settings};

struct Args {
    data_dir: std::path::PathBuf,
    database: String,
    clients: usize,
    assessments: usize,
    login: String,
    password: String,
    tasks: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut out = Args {
        data_dir: "tonus-load".into(),
        database: String::new(),
        clients: 1000,
        assessments: 5,
        login: "load".into(),
        password: String::new(),
        tasks: 4,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|_| format!("{flag} {v:?} is not a whole number"));
        match flag.as_str() {
            "--data-dir" => out.data_dir = value.into(),
            "--database" => out.database = value,
            "--clients" => out.clients = number(&value)?,
            "--assessments" => out.assessments = number(&value)?,
            "--login" => out.login = value,
            "--password" => out.password = value,
            "--tasks" => out.tasks = number(&value)?.max(1),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if out.password.len() < 10 {
        return Err("--password needs at least 10 characters".into());
    }
    if out.database.is_empty() {
        out.database = format!("sqlite://{}", out.data_dir.join("tonus.db").display());
    }
    Ok(out)
}

/// One persona's stored documents, to copy into seeded assessments.
#[derive(Clone)]
struct Template {
    intake: Value,
    landmarks: Vec<LandmarkSet>,
    report: Value,
    engine_version: String,
    plan: Value,
}

async fn templates(store: &dyn Store) -> Result<Vec<Template>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for client in store.clients(&ClientQuery::default()).await? {
        for a in store.assessments_for(client.id).await? {
            if a.status != AssessmentStatus::Complete {
                continue;
            }
            let report = store.latest_report(a.id).await?.ok_or("a demo assessment has no report")?;
            let plan = store.plan_for(a.id).await?.map(|p| p.engine_plan).unwrap_or(Value::Null);
            out.push(Template {
                intake: a.intake.clone().ok_or("a demo assessment has no intake")?,
                landmarks: store.landmark_sets_for(a.id).await?,
                report: report.report,
                engine_version: report.engine_version,
                plan,
            });
        }
    }
    // A persona whose red flags block the plan still makes a valid record; keep all three.
    if out.is_empty() {
        return Err("the demo personas produced no completed assessment".into());
    }
    Ok(out)
}

async fn seed_client(
    store: Arc<dyn Store>,
    owner: tonus_store::UserId,
    n: usize,
    assessments: usize,
    templates: Arc<Vec<Template>>,
) -> Result<(String, String), tonus_store::StoreError> {
    let name = format!("Load Client {n:04}");
    let client = store
        .create_client(NewClient {
            owner,
            display_name: name.clone(),
            reference: Some(format!("L-{n:04}")),
            shared_with_clinic: n.is_multiple_of(10),
        })
        .await?;
    let mut last = String::new();
    for k in 0..assessments {
        let t = &templates[(n + k) % templates.len()];
        let mut report = t.report.clone();
        if let Some(client_view) = report.get_mut("client").and_then(Value::as_object_mut) {
            client_view.insert("name".into(), Value::String(name.clone()));
        }
        let draft = store
            .create_assessment(NewAssessment {
                client: client.id,
                created_by: owner,
                form: serde_json::json!({}),
                intake: Some(t.intake.clone()),
            })
            .await?;
        for set in &t.landmarks {
            store
                .add_landmark_set(NewLandmarkSet {
                    assessment: draft.id,
                    photo: None,
                    view: set.view,
                    landmarks: set.landmarks.clone(),
                    model: set.model.clone(),
                    model_version: set.model_version.clone(),
                    source: set.source,
                    moved_points: set.moved_points.clone(),
                    corrects: None,
                    created_by: None,
                })
                .await?;
        }
        store
            .complete_assessment(CompleteAssessment {
                id: draft.id,
                form: serde_json::json!({}),
                intake: t.intake.clone(),
                report,
                // The demo's reports were just made by this build, in its format.
                version: tonus_store::ReportVersion { engine: t.engine_version.clone(), format: tonus_app::report::FORMAT_VERSION },
                plan: t.plan.clone(),
            })
            .await?;
        last = draft.id.to_string();
    }
    Ok((client.id.to_string(), last))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args().map_err(|e| format!("seed: {e}"))?;
    std::fs::create_dir_all(&args.data_dir).map_err(|e| format!("seed: cannot create {}: {e}", args.data_dir.display()))?;
    let started = Instant::now();
    let store = tonus_store::connect(&StoreConfig {
        database_url: args.database.clone(),
        photos_dir: args.data_dir.join("photos"),
        max_connections: u32::try_from(args.tasks).unwrap_or(4),
    })
    .await?;
    let settings = Settings {
        secure_cookies: false,
        password_cost: PasswordCost::Standard,
        session_ttl_secs: 86_400,
        share_link_ttl_secs: 86_400,
        max_upload_bytes: 1 << 20,
        engine_permits: 1,
        trusted_proxies: Vec::new(),
        public_url: None,
        wasm_dir: None,
    };
    let demo = tonus_web::load_demo_into(store.clone(), settings, &args.login, &args.password).await?;
    let owner = store.credentials(&demo.login).await?.ok_or("the seeded login is missing")?.user.id;
    let templates = Arc::new(templates(store.as_ref()).await?);
    let mut tasks = tokio::task::JoinSet::new();
    let mut next = 0;
    let mut sample = (String::new(), String::new());
    while next < args.clients || !tasks.is_empty() {
        while next < args.clients && tasks.len() < args.tasks {
            tasks.spawn(seed_client(store.clone(), owner, next, args.assessments, templates.clone()));
            next += 1;
        }
        if let Some(done) = tasks.join_next().await {
            let ids = done??;
            if sample.0.is_empty() || ids.0 < sample.0 {
                sample = ids;
            }
        }
    }
    eprintln!(
        "seeded {} clients × {} assessments (+{} demo) in {:.1} s",
        args.clients,
        args.assessments,
        demo.clients,
        started.elapsed().as_secs_f64()
    );
    println!("client={}", sample.0);
    println!("assessment={}", sample.1);
    Ok(())
}
