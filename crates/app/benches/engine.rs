//! Benchmarks of the engine: `assess` on an intake with two landmark sets (the driver persona:
//! a side and a front photo), and a 52-week simulation. Targets: assess ≤ 2 ms, simulate ≤ 20 ms.
//! Run: `cargo bench -p tonus-app --bench engine`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tonus_app::examples::personas;
use tonus_app::intake::{self, Format};
use tonus_app::{Engine, landmarks};

fn bench(c: &mut Criterion) {
    let engine = Engine::embedded().expect("embedded knowledge base is valid");
    let driver = personas().into_iter().find(|p| p.id == "driver").expect("driver persona");
    let intake = intake::parse(driver.intake, Format::Toml, driver.intake_name).expect("persona parses");
    let sets: Vec<_> =
        driver.landmarks.iter().map(|(n, t)| (n.to_string(), landmarks::parse(t, n).expect("persona landmarks parse"))).collect();
    assert_eq!(sets.len(), 2);
    c.bench_function("assess (intake + 2 landmark sets)", |b| {
        b.iter(|| engine.assess(black_box(&intake), driver.intake_name, black_box(&sets)).expect("assess"))
    });
    c.bench_function("assess incl. parsing the files", |b| {
        b.iter(|| {
            let i = intake::parse(black_box(driver.intake), Format::Toml, driver.intake_name).expect("parse");
            let s: Vec<_> = driver.landmarks.iter().map(|(n, t)| (n.to_string(), landmarks::parse(t, n).expect("parse"))).collect();
            engine.assess(&i, driver.intake_name, &s).expect("assess")
        })
    });
    c.bench_function("simulate 52 weeks", |b| {
        b.iter(|| engine.simulate(black_box(&intake), driver.intake_name, 52, 0.8).expect("simulate"))
    });
    c.bench_function("load and validate the embedded knowledge base", |b| b.iter(|| Engine::embedded().expect("kb")));
}

criterion_group!(benches, bench);
criterion_main!(benches);
