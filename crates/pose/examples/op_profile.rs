//! Where the model time goes, per operator: `cargo run --release -p tonus-pose --example
//! op_profile -- detector|lite|full [RUNS]`. Prints the median time per node (slowest first)
//! and the total per operator kind. A development aid for the speed work; it runs no photo.

use std::collections::BTreeMap;
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let model = args.next().unwrap_or_else(|| "full".into());
    let runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(30);
    let nodes = tonus_pose::op_profile(&model, runs).unwrap_or_else(|e| panic!("profile {model}: {e}"));
    let total: Duration = nodes.iter().map(|n| n.2).sum();
    let mut by_kind: BTreeMap<String, (Duration, usize)> = BTreeMap::new();
    for (_, op, t) in &nodes {
        let kind = op.split_whitespace().next().unwrap_or("?").to_string();
        let e = by_kind.entry(kind).or_default();
        e.0 += *t;
        e.1 += 1;
    }
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1.0));
    println!("{model}: {runs} runs, sum of node medians {:.2} ms\n", total.as_secs_f64() * 1e3);
    for (kind, (t, n)) in &kinds {
        println!("{:>8.2} ms {:>5.1} % {n:>4} × {kind}", t.as_secs_f64() * 1e3, 100.0 * t.as_secs_f64() / total.as_secs_f64());
    }
    let mut slow: Vec<_> = nodes.iter().collect();
    slow.sort_by_key(|n| std::cmp::Reverse(n.2));
    println!("\nslowest nodes:");
    let top: usize = std::env::var("TOP").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    for (name, op, t) in slow.iter().take(top) {
        let op: String = op.chars().take(150).collect();
        println!("{:>8.3} ms  {name}  {op}", t.as_secs_f64() * 1e3);
    }
}
