//! Development aid: every exercise's illustration on one HTML page, to look at after changing
//! a figure in `knowledge/exercises.toml` or the drawing in `src/figure.rs`:
//!   cargo run -p tonus-app --example figures > target/figures.html
fn main() {
    let kb = tonus_core::KnowledgeBase::embedded().expect("the embedded knowledge base loads");
    println!(
        "<!doctype html><meta charset=utf-8><title>Exercise figures</title><style>body{{font:14px system-ui;display:flex;flex-wrap:wrap;gap:12px}} figure{{width:200px;margin:0;border:1px solid #ccc;padding:6px}} svg{{width:100%;height:180px}}</style>"
    );
    for e in kb.exercises() {
        println!(
            "<figure>{}<figcaption>{} ({:?}, {:?})</figcaption></figure>",
            tonus_app::figure::svg(&e.figure, &e.name),
            e.id,
            e.figure.base,
            e.figure.view
        );
    }
}
