//! Prints the operators, tensors and sparsity of a `.tflite` file, to see what the in-memory
//! rewrite has to handle. A development aid only: it runs no inference.

use std::collections::BTreeMap;

use tract_tflite::tflite;

fn main() {
    let path = std::env::args().nth(1).expect("usage: inspect_model FILE.tflite");
    let bytes = std::fs::read(&path).expect("read the model file");
    let model = tflite::root_as_model(&bytes).expect("parse the tflite flatbuffer");
    let codes = model.operator_codes().expect("operator codes");
    let sg = model.subgraphs().expect("subgraphs").get(0);
    let tensors = sg.tensors().expect("tensors");
    let mut hist: BTreeMap<String, usize> = BTreeMap::new();
    for op in sg.operators().expect("operators") {
        let code = codes.get(op.opcode_index() as usize);
        let name = format!("{:?}/{:?}/{:?}", code.builtin_code(), code.deprecated_builtin_code(), op.builtin_options_type());
        *hist.entry(name.clone()).or_default() += 1;
        let interesting = ["DEQUANTIZE", "DENSIFY", "DEPTH_TO_SPACE", "RESHAPE"];
        if interesting.iter().any(|n| name.contains(n)) && std::env::args().nth(2).is_some() {
            let ins: Vec<_> = op.inputs().expect("inputs").iter().collect();
            let outs: Vec<_> = op.outputs().expect("outputs").iter().collect();
            for t in ins.iter().chain(&outs) {
                let t = tensors.get(*t as usize);
                println!(
                    "  {name} tensor {:?} {:?} {:?} buf={} sparse={}",
                    t.name(),
                    t.type_(),
                    t.shape().map(|s| s.iter().collect::<Vec<_>>()),
                    t.buffer(),
                    t.sparsity().is_some()
                );
            }
        }
    }
    for (k, v) in hist {
        println!("{v:5} {k}");
    }
    for io in [sg.inputs(), sg.outputs()].into_iter().flatten() {
        for t in io {
            let t = tensors.get(t as usize);
            println!("io {t:?} {:?} {:?}", t.name(), t.shape().map(|s| s.iter().collect::<Vec<_>>()));
        }
    }
    let sparse: Vec<_> = tensors.iter().filter(|t| t.sparsity().is_some()).collect();
    for t in sparse.iter().take(3) {
        let sp = t.sparsity().expect("sparse");
        println!("sparse {:?} {:?} {:?}", t.name(), t.type_(), t.shape().map(|s| s.iter().collect::<Vec<_>>()));
        println!(
            "  traversal {:?} block_map {:?}",
            sp.traversal_order().map(|v| v.iter().collect::<Vec<_>>()),
            sp.block_map().map(|v| v.iter().collect::<Vec<_>>())
        );
        for dm in sp.dim_metadata().expect("dims") {
            println!(
                "  dim {:?} dense {} seg {:?} idx {:?}",
                dm.format(),
                dm.dense_size(),
                dm.array_segments_type(),
                dm.array_indices_type()
            );
        }
    }
    println!("sparse tensors: {}", sparse.len());
}
