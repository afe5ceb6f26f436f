//! In-memory rewrite of a `.tflite` flatbuffer into a form tract-tflite 0.23 can load.
//!
//! tract-tflite reads none of DEQUANTIZE, DENSIFY and DEPTH_TO_SPACE, which the MediaPipe pose
//! models use. This module parses the model into a small owned graph, folds the constant
//! DENSIFY (sparse CSR weights) and DEQUANTIZE (fp16 weights) operators into plain fp32
//! buffers, expresses DEPTH_TO_SPACE as reshape → transpose → reshape, keeps only the
//! requested outputs (dropping every operator that only the pruned outputs need), and writes
//! a fresh flatbuffer with the `flatbuffers` crate. The files on disk are never touched.
//!
//! It deliberately supports only the operators and option tables those three models use:
//! anything else is reported as an error rather than guessed at. Quantised (int8) tensors,
//! block-sparse weights and multi-subgraph models are out of scope.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use flatbuffers::{FlatBufferBuilder, WIPOffset};
use tract_tflite::prelude::f16;
use tract_tflite::tflite::{self, BuiltinOperator, BuiltinOptions, DimensionType, TensorType};

/// A constant or activation tensor of the owned graph.
#[derive(Debug, Clone)]
struct TensorDef<'a> {
    name: String,
    shape: Vec<i32>,
    ty: TensorType,
    /// Constant data, little-endian, dense, in `ty`; `None` for activations. Borrowed from
    /// the model's bytes until a fold replaces it, so the embedded model is not copied.
    data: Option<Cow<'a, [u8]>>,
    /// Present while the tensor still holds sparse data (before DENSIFY is folded).
    sparsity: Option<Sparsity>,
}

#[derive(Debug, Clone)]
struct Sparsity {
    traversal_order: Vec<i32>,
    dims: Vec<SparseDim>,
}

#[derive(Debug, Clone)]
enum SparseDim {
    Dense(i32),
    Csr { segments: Vec<i32>, indices: Vec<i32> },
}

/// The option tables used by the supported operators, copied field by field.
#[derive(Debug, Clone, Copy)]
enum Options {
    None,
    Add { act: tflite::ActivationFunctionType, pot: bool },
    Concat { axis: i32, act: tflite::ActivationFunctionType },
    Conv { pad: tflite::Padding, sw: i32, sh: i32, act: tflite::ActivationFunctionType, dw: i32, dh: i32 },
    Depthwise { pad: tflite::Padding, sw: i32, sh: i32, mult: i32, act: tflite::ActivationFunctionType, dw: i32, dh: i32 },
    Pool { pad: tflite::Padding, sw: i32, sh: i32, fw: i32, fh: i32, act: tflite::ActivationFunctionType },
    Pad,
    Resize { align: bool, half: bool },
    DepthToSpace { block: i32 },
    Reshape { new_shape: [i32; 8], len: usize },
    Transpose,
}

#[derive(Debug, Clone)]
struct OpDef {
    code: BuiltinOperator,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
    options: Options,
}

/// An owned copy of the first subgraph of a tflite model.
#[derive(Debug, Clone)]
struct Graph<'a> {
    tensors: Vec<TensorDef<'a>>,
    ops: Vec<OpDef>,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
}

/// Rewrites `bytes` (a `.tflite` model) so that tract-tflite can load it, keeping only the
/// subgraph outputs named in `keep_outputs`, in that order.
pub(crate) fn rewrite(bytes: &[u8], keep_outputs: &[&str]) -> Result<Rewritten, String> {
    let mut graph = parse(bytes)?;
    fold_constants(&mut graph)?;
    expand_depth_to_space(&mut graph)?;
    select_outputs(&mut graph, keep_outputs)?;
    prune(&mut graph);
    Ok(serialize(graph))
}

fn opcode(code: &tflite::OperatorCode<'_>) -> BuiltinOperator {
    let deprecated = i32::from(code.deprecated_builtin_code());
    if deprecated == BuiltinOperator::PLACEHOLDER_FOR_GREATER_OP_CODES.0 { code.builtin_code() } else { BuiltinOperator(deprecated) }
}

fn parse(bytes: &[u8]) -> Result<Graph<'_>, String> {
    let model = tflite::root_as_model(bytes).map_err(|e| format!("not a tflite flatbuffer: {e}"))?;
    let codes = model.operator_codes().ok_or("no operator codes")?;
    let buffers = model.buffers().ok_or("no buffers")?;
    let subgraphs = model.subgraphs().ok_or("no subgraphs")?;
    if subgraphs.len() != 1 {
        return Err(format!("expected one subgraph, found {}", subgraphs.len()));
    }
    let sg = subgraphs.get(0);
    let mut tensors = Vec::new();
    for t in sg.tensors().ok_or("no tensors")? {
        if let Some(q) = t.quantization()
            && q.scale().is_some_and(|s| !s.is_empty())
        {
            return Err(format!("quantised tensor {:?} is not supported", t.name()));
        }
        let buffer_ix = t.buffer() as usize;
        let data = if buffer_ix == 0 || buffer_ix >= buffers.len() {
            None
        } else {
            buffers.get(buffer_ix).data().map(|d| Cow::Borrowed(d.bytes())).filter(|d| !d.is_empty())
        };
        let sparsity = match t.sparsity() {
            None => None,
            Some(sp) => Some(parse_sparsity(&sp)?),
        };
        tensors.push(TensorDef {
            name: t.name().unwrap_or("").to_owned(),
            shape: t.shape().map(|s| s.iter().collect()).unwrap_or_default(),
            ty: t.type_(),
            data,
            sparsity,
        });
    }
    let mut ops = Vec::new();
    for op in sg.operators().ok_or("no operators")? {
        let code_ix = op.opcode_index() as usize;
        if code_ix >= codes.len() {
            return Err(format!("operator code index {code_ix} out of range"));
        }
        let code = opcode(&codes.get(code_ix));
        let options = parse_options(&op, code)?;
        ops.push(OpDef {
            code,
            inputs: op.inputs().map(|v| v.iter().collect()).unwrap_or_default(),
            outputs: op.outputs().map(|v| v.iter().collect()).unwrap_or_default(),
            options,
        });
    }
    let n = i32::try_from(tensors.len()).map_err(|_| "too many tensors")?;
    let graph = Graph {
        tensors,
        ops,
        inputs: sg.inputs().map(|v| v.iter().collect()).unwrap_or_default(),
        outputs: sg.outputs().map(|v| v.iter().collect()).unwrap_or_default(),
    };
    let all_refs = graph.ops.iter().flat_map(|o| o.inputs.iter().chain(&o.outputs));
    for &t in all_refs.chain(&graph.inputs).chain(&graph.outputs) {
        if t >= n || t < -1 {
            return Err(format!("tensor index {t} out of range"));
        }
    }
    Ok(graph)
}

fn parse_sparsity(sp: &tflite::SparsityParameters<'_>) -> Result<Sparsity, String> {
    if sp.block_map().is_some_and(|b| !b.is_empty()) {
        return Err("block-sparse tensors are not supported".into());
    }
    let traversal_order: Vec<i32> = sp.traversal_order().ok_or("sparse tensor without traversal order")?.iter().collect();
    let mut dims = Vec::new();
    for dm in sp.dim_metadata().ok_or("sparse tensor without dimension metadata")? {
        if dm.format() == DimensionType::DENSE {
            dims.push(SparseDim::Dense(dm.dense_size()));
        } else {
            let segments = index_vector(
                dm.array_segments_as_int_32_vector().and_then(|v| v.values()).map(|v| v.iter().collect()),
                dm.array_segments_as_uint_16_vector().and_then(|v| v.values()).map(|v| v.iter().map(i32::from).collect()),
                dm.array_segments_as_uint_8_vector().and_then(|v| v.values()).map(|v| v.iter().map(i32::from).collect()),
            )
            .ok_or("sparse dimension without segments")?;
            let indices = index_vector(
                dm.array_indices_as_int_32_vector().and_then(|v| v.values()).map(|v| v.iter().collect()),
                dm.array_indices_as_uint_16_vector().and_then(|v| v.values()).map(|v| v.iter().map(i32::from).collect()),
                dm.array_indices_as_uint_8_vector().and_then(|v| v.values()).map(|v| v.iter().map(i32::from).collect()),
            )
            .ok_or("sparse dimension without indices")?;
            dims.push(SparseDim::Csr { segments, indices });
        }
    }
    if dims.len() != traversal_order.len() {
        return Err("sparse metadata and traversal order disagree".into());
    }
    Ok(Sparsity { traversal_order, dims })
}

fn index_vector(a: Option<Vec<i32>>, b: Option<Vec<i32>>, c: Option<Vec<i32>>) -> Option<Vec<i32>> {
    a.or(b).or(c)
}

fn parse_options(op: &tflite::Operator<'_>, code: BuiltinOperator) -> Result<Options, String> {
    let missing = || format!("operator {code:?} lacks its options");
    Ok(match code {
        BuiltinOperator::ADD => {
            let o = op.builtin_options_as_add_options().ok_or_else(missing)?;
            Options::Add { act: o.fused_activation_function(), pot: o.pot_scale_int16() }
        }
        BuiltinOperator::CONCATENATION => {
            let o = op.builtin_options_as_concatenation_options().ok_or_else(missing)?;
            Options::Concat { axis: o.axis(), act: o.fused_activation_function() }
        }
        BuiltinOperator::CONV_2D => {
            let o = op.builtin_options_as_conv_2_doptions().ok_or_else(missing)?;
            Options::Conv {
                pad: o.padding(),
                sw: o.stride_w(),
                sh: o.stride_h(),
                act: o.fused_activation_function(),
                dw: o.dilation_w_factor(),
                dh: o.dilation_h_factor(),
            }
        }
        BuiltinOperator::DEPTHWISE_CONV_2D => {
            let o = op.builtin_options_as_depthwise_conv_2_doptions().ok_or_else(missing)?;
            Options::Depthwise {
                pad: o.padding(),
                sw: o.stride_w(),
                sh: o.stride_h(),
                mult: o.depth_multiplier(),
                act: o.fused_activation_function(),
                dw: o.dilation_w_factor(),
                dh: o.dilation_h_factor(),
            }
        }
        BuiltinOperator::MAX_POOL_2D | BuiltinOperator::AVERAGE_POOL_2D => {
            let o = op.builtin_options_as_pool_2_doptions().ok_or_else(missing)?;
            Options::Pool {
                pad: o.padding(),
                sw: o.stride_w(),
                sh: o.stride_h(),
                fw: o.filter_width(),
                fh: o.filter_height(),
                act: o.fused_activation_function(),
            }
        }
        BuiltinOperator::PAD => Options::Pad,
        BuiltinOperator::RESIZE_BILINEAR => {
            let o = op.builtin_options_as_resize_bilinear_options().ok_or_else(missing)?;
            Options::Resize { align: o.align_corners(), half: o.half_pixel_centers() }
        }
        BuiltinOperator::DEPTH_TO_SPACE => {
            let o = op.builtin_options_as_depth_to_space_options().ok_or_else(missing)?;
            Options::DepthToSpace { block: o.block_size() }
        }
        BuiltinOperator::RESHAPE => match op.builtin_options_as_reshape_options().and_then(|o| o.new_shape()) {
            Some(s) if s.len() <= 8 => {
                let mut new_shape = [0; 8];
                for (d, v) in new_shape.iter_mut().zip(s.iter()) {
                    *d = v;
                }
                Options::Reshape { new_shape, len: s.len() }
            }
            Some(_) => return Err("reshape to more than 8 dimensions".into()),
            None => Options::None,
        },
        BuiltinOperator::TRANSPOSE => Options::Transpose,
        BuiltinOperator::DEQUANTIZE | BuiltinOperator::DENSIFY | BuiltinOperator::LOGISTIC => Options::None,
        other => return Err(format!("operator {other:?} is not supported by the rewrite")),
    })
}

fn element_size(ty: TensorType) -> Result<usize, String> {
    Ok(match ty {
        TensorType::FLOAT32 | TensorType::INT32 => 4,
        TensorType::FLOAT16 | TensorType::INT16 => 2,
        TensorType::INT8 | TensorType::UINT8 => 1,
        other => return Err(format!("unsupported constant type {other:?}")),
    })
}

fn dims(shape: &[i32]) -> Result<Vec<usize>, String> {
    shape.iter().map(|&d| usize::try_from(d).map_err(|_| format!("negative dimension {d}"))).collect()
}

/// Expands sparse data (CSR over some dimensions, TFLite's format) into a dense row-major
/// buffer of the tensor's shape.
fn densify(name: &str, ty: TensorType, shape: &[i32], sp: &Sparsity, values: &[u8]) -> Result<Vec<u8>, String> {
    let es = element_size(ty)?;
    let shape = dims(shape)?;
    let total: usize = shape.iter().product();
    let order: Vec<usize> = dims(&sp.traversal_order)?;
    if order.len() != shape.len() || order.iter().any(|&o| o >= shape.len()) {
        return Err("traversal order does not match the tensor rank".into());
    }
    let mut strides = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    let mut walker = CsrWalker {
        sp,
        order: &order,
        strides: &strides,
        shape: &shape,
        values,
        es,
        out: vec![0u8; total * es],
        coords: vec![0usize; shape.len()],
        next_value: 0,
    };
    walker.visit(0, 0)?;
    let CsrWalker { out, next_value, .. } = walker;
    if next_value * es != values.len() {
        return Err(format!("sparse tensor {} has {} values but used {next_value}", name, values.len() / es));
    }
    Ok(out)
}

/// Walks TFLite's sparse format depth first, writing each stored value at its dense position.
struct CsrWalker<'a> {
    sp: &'a Sparsity,
    order: &'a [usize],
    strides: &'a [usize],
    shape: &'a [usize],
    values: &'a [u8],
    es: usize,
    out: Vec<u8>,
    coords: Vec<usize>,
    next_value: usize,
}

impl CsrWalker<'_> {
    fn visit(&mut self, level: usize, parent: usize) -> Result<(), String> {
        let es = self.es;
        if level == self.sp.dims.len() {
            let pos: usize = self.coords.iter().zip(self.strides).map(|(c, s)| c * s).sum();
            let n = self.next_value;
            let src = self.values.get(n * es..(n + 1) * es).ok_or("sparse values run short")?;
            self.out.get_mut(pos * es..(pos + 1) * es).ok_or("sparse index out of range")?.copy_from_slice(src);
            self.next_value += 1;
            return Ok(());
        }
        let axis = self.order[level];
        match &self.sp.dims[level] {
            SparseDim::Dense(size) => {
                let size = usize::try_from(*size).map_err(|_| "negative dense size")?;
                for i in 0..size {
                    self.coords[axis] = i;
                    self.visit(level + 1, parent * size + i)?;
                }
            }
            SparseDim::Csr { segments, indices } => {
                let bound = |v: Option<&i32>| -> Result<usize, String> {
                    usize::try_from(*v.ok_or("sparse segment out of range")?).map_err(|_| "negative segment".to_string())
                };
                let (lo, hi) = (bound(segments.get(parent))?, bound(segments.get(parent + 1))?);
                for i in lo..hi {
                    let ix = bound(indices.get(i))?;
                    if ix >= self.shape[axis] {
                        return Err("sparse index beyond dimension".into());
                    }
                    self.coords[axis] = ix;
                    self.visit(level + 1, i)?;
                }
            }
        }
        Ok(())
    }
}

/// Folds DENSIFY and DEQUANTIZE operators whose input is constant into constant fp32 (or
/// dense) data on their output tensor, and removes them.
fn fold_constants(g: &mut Graph) -> Result<(), String> {
    let mut kept = Vec::with_capacity(g.ops.len());
    for op in std::mem::take(&mut g.ops) {
        let foldable = matches!(op.code, BuiltinOperator::DENSIFY | BuiltinOperator::DEQUANTIZE);
        if !foldable {
            kept.push(op);
            continue;
        }
        let (&[input], &[output]) = (op.inputs.as_slice(), op.outputs.as_slice()) else {
            return Err(format!("{:?} with unexpected arity", op.code));
        };
        let src = &g.tensors[input as usize];
        let Some(values) = src.data.as_deref() else {
            return Err(format!("{:?} of a non-constant tensor {}", op.code, src.name));
        };
        let (ty, data) = if op.code == BuiltinOperator::DENSIFY {
            let sp = src.sparsity.as_ref().ok_or("densify of a dense tensor")?;
            let shape = g.tensors[output as usize].shape.clone();
            (src.ty, densify(&src.name, src.ty, &shape, sp, values)?)
        } else {
            if src.sparsity.is_some() {
                return Err("dequantize of a sparse tensor".into());
            }
            let data = match src.ty {
                TensorType::FLOAT16 => {
                    values.chunks_exact(2).flat_map(|c| f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32().to_le_bytes()).collect()
                }
                TensorType::FLOAT32 => values.to_vec(),
                other => return Err(format!("dequantize from {other:?} is not supported")),
            };
            (TensorType::FLOAT32, data)
        };
        let dst = &mut g.tensors[output as usize];
        dst.ty = ty;
        dst.data = Some(Cow::Owned(data));
        let expected: usize = dims(&dst.shape)?.iter().product::<usize>() * element_size(dst.ty)?;
        if dst.data.as_deref().map(<[u8]>::len) != Some(expected) {
            return Err(format!("folded tensor {} has the wrong size", dst.name));
        }
    }
    g.ops = kept;
    Ok(())
}

fn add_const_i32(g: &mut Graph, name: String, values: &[i32]) -> i32 {
    g.tensors.push(TensorDef {
        name,
        shape: vec![values.len() as i32],
        ty: TensorType::INT32,
        data: Some(Cow::Owned(values.iter().flat_map(|v| v.to_le_bytes()).collect())),
        sparsity: None,
    });
    (g.tensors.len() - 1) as i32
}

fn add_activation(g: &mut Graph, name: String, shape: Vec<i32>) -> i32 {
    g.tensors.push(TensorDef { name, shape, ty: TensorType::FLOAT32, data: None, sparsity: None });
    (g.tensors.len() - 1) as i32
}

/// Replaces each DEPTH_TO_SPACE (NHWC, DCR order) by reshape → transpose → reshape.
fn expand_depth_to_space(g: &mut Graph) -> Result<(), String> {
    let mut out = Vec::with_capacity(g.ops.len());
    for op in std::mem::take(&mut g.ops) {
        let Options::DepthToSpace { block: b } = op.options else {
            out.push(op);
            continue;
        };
        let (&[input], &[output]) = (op.inputs.as_slice(), op.outputs.as_slice()) else {
            return Err("depth_to_space with unexpected arity".into());
        };
        let &[n, h, w, c] = g.tensors[input as usize].shape.as_slice() else {
            return Err("depth_to_space input is not 4-d".into());
        };
        if b <= 0 || c % (b * b) != 0 {
            return Err("depth_to_space block does not divide the channels".into());
        }
        let c2 = c / (b * b);
        let base = g.tensors[output as usize].name.clone();
        let split = [n, h, w, b, b, c2];
        let moved = [n, h, b, w, b, c2];
        let s1 = add_const_i32(g, format!("{base}/d2s_split_shape"), &split);
        let t1 = add_activation(g, format!("{base}/d2s_split"), split.to_vec());
        let perm = add_const_i32(g, format!("{base}/d2s_perm"), &[0, 1, 3, 2, 4, 5]);
        let t2 = add_activation(g, format!("{base}/d2s_moved"), moved.to_vec());
        let s2 = add_const_i32(g, format!("{base}/d2s_merge_shape"), &[n, h * b, w * b, c2]);
        out.push(OpDef { code: BuiltinOperator::RESHAPE, inputs: vec![input, s1], outputs: vec![t1], options: Options::None });
        out.push(OpDef { code: BuiltinOperator::TRANSPOSE, inputs: vec![t1, perm], outputs: vec![t2], options: Options::Transpose });
        out.push(OpDef { code: BuiltinOperator::RESHAPE, inputs: vec![t2, s2], outputs: vec![output], options: Options::None });
    }
    g.ops = out;
    Ok(())
}

fn select_outputs(g: &mut Graph, keep: &[&str]) -> Result<(), String> {
    let mut outputs = Vec::with_capacity(keep.len());
    for name in keep {
        let t = g
            .outputs
            .iter()
            .copied()
            .find(|&t| g.tensors[t as usize].name == *name)
            .ok_or_else(|| format!("model has no output named {name}"))?;
        outputs.push(t);
    }
    g.outputs = outputs;
    Ok(())
}

/// Drops operators none of whose outputs lead to a kept output, and the data of constants
/// that only they used.
fn prune(g: &mut Graph) {
    let mut needed: BTreeSet<i32> = g.outputs.iter().copied().collect();
    let mut keep = vec![false; g.ops.len()];
    for (i, op) in g.ops.iter().enumerate().rev() {
        if op.outputs.iter().any(|t| needed.contains(t)) {
            keep[i] = true;
            needed.extend(op.inputs.iter().copied().filter(|&t| t >= 0));
        }
    }
    let mut it = keep.into_iter();
    g.ops.retain(|_| it.next().unwrap_or(false));
    for (i, t) in g.tensors.iter_mut().enumerate() {
        if !needed.contains(&(i as i32)) && !g.inputs.contains(&(i as i32)) {
            t.data = None;
        }
    }
}

/// The rewritten model: a flatbuffer that starts `head` bytes into `buf` (the builder's own
/// buffer, handed over rather than copied).
pub(crate) struct Rewritten {
    buf: Vec<u8>,
    head: usize,
}

impl Rewritten {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[self.head..]
    }
}

/// Writes the graph as a flatbuffer, consuming it: each constant's data is dropped once it is
/// in the builder, and the builder is sized for all of it up front (it grows by doubling), so
/// the model is held about once, not three times, while this runs (it runs in the browser,
/// whose memory never shrinks back after a peak).
fn serialize(mut g: Graph<'_>) -> Rewritten {
    let data_bytes: usize = g.tensors.iter().filter_map(|t| t.data.as_deref()).map(<[u8]>::len).sum();
    // Each vector is aligned to at most 16 bytes, and the tables, names and shapes are small.
    let mut fbb = FlatBufferBuilder::with_capacity(data_bytes + 32 * g.tensors.len() + (1 << 20));
    // Buffer 0 is the empty sentinel that tflite reserves for "no data".
    let mut buffers = vec![tflite::Buffer::create(&mut fbb, &tflite::BufferArgs { data: None })];
    let mut tensor_offsets = Vec::with_capacity(g.tensors.len());
    for t in &mut g.tensors {
        let buffer = match t.data.take() {
            Some(d) => {
                let data = fbb.create_vector(&d);
                buffers.push(tflite::Buffer::create(&mut fbb, &tflite::BufferArgs { data: Some(data) }));
                (buffers.len() - 1) as u32
            }
            None => 0,
        };
        let shape = fbb.create_vector(&t.shape);
        let name = fbb.create_string(&t.name);
        tensor_offsets.push(tflite::Tensor::create(
            &mut fbb,
            &tflite::TensorArgs { shape: Some(shape), type_: t.ty, buffer, name: Some(name), ..Default::default() },
        ));
    }
    let mut codes: HashMap<i32, u32> = HashMap::new();
    let mut code_list: Vec<BuiltinOperator> = Vec::new();
    let mut op_offsets = Vec::with_capacity(g.ops.len());
    for op in &g.ops {
        let next = code_list.len() as u32;
        let opcode_index = *codes.entry(op.code.0).or_insert_with(|| {
            code_list.push(op.code);
            next
        });
        let (ty, table) = write_options(&mut fbb, op.options);
        let inputs = fbb.create_vector(&op.inputs);
        let outputs = fbb.create_vector(&op.outputs);
        op_offsets.push(tflite::Operator::create(
            &mut fbb,
            &tflite::OperatorArgs {
                opcode_index,
                inputs: Some(inputs),
                outputs: Some(outputs),
                builtin_options_type: ty,
                builtin_options: table,
                ..Default::default()
            },
        ));
    }
    let code_offsets: Vec<_> = code_list
        .iter()
        .map(|c| {
            let deprecated = i8::try_from(c.0).unwrap_or(BuiltinOperator::PLACEHOLDER_FOR_GREATER_OP_CODES.0 as i8);
            tflite::OperatorCode::create(
                &mut fbb,
                &tflite::OperatorCodeArgs { deprecated_builtin_code: deprecated, custom_code: None, version: 1, builtin_code: *c },
            )
        })
        .collect();
    let tensors = fbb.create_vector(&tensor_offsets);
    let operators = fbb.create_vector(&op_offsets);
    let inputs = fbb.create_vector(&g.inputs);
    let outputs = fbb.create_vector(&g.outputs);
    let name = fbb.create_string("main");
    let sg = tflite::SubGraph::create(
        &mut fbb,
        &tflite::SubGraphArgs {
            tensors: Some(tensors),
            inputs: Some(inputs),
            outputs: Some(outputs),
            operators: Some(operators),
            name: Some(name),
        },
    );
    let subgraphs = fbb.create_vector(&[sg]);
    let operator_codes = fbb.create_vector(&code_offsets);
    let buffers = fbb.create_vector(&buffers);
    let description = fbb.create_string("rewritten in memory by tonus-pose");
    let model = tflite::Model::create(
        &mut fbb,
        &tflite::ModelArgs {
            version: 3,
            operator_codes: Some(operator_codes),
            subgraphs: Some(subgraphs),
            description: Some(description),
            buffers: Some(buffers),
            ..Default::default()
        },
    );
    tflite::finish_model_buffer(&mut fbb, model);
    let (buf, head) = fbb.collapse();
    Rewritten { buf, head }
}

fn write_options(fbb: &mut FlatBufferBuilder<'_>, options: Options) -> (BuiltinOptions, Option<WIPOffset<flatbuffers::UnionWIPOffset>>) {
    use tflite::*;
    match options {
        Options::None => (BuiltinOptions::NONE, None),
        Options::DepthToSpace { block } => (
            BuiltinOptions::DepthToSpaceOptions,
            Some(DepthToSpaceOptions::create(fbb, &DepthToSpaceOptionsArgs { block_size: block }).as_union_value()),
        ),
        Options::Add { act, pot } => (
            BuiltinOptions::AddOptions,
            Some(AddOptions::create(fbb, &AddOptionsArgs { fused_activation_function: act, pot_scale_int16: pot }).as_union_value()),
        ),
        Options::Concat { axis, act } => (
            BuiltinOptions::ConcatenationOptions,
            Some(ConcatenationOptions::create(fbb, &ConcatenationOptionsArgs { axis, fused_activation_function: act }).as_union_value()),
        ),
        Options::Conv { pad, sw, sh, act, dw, dh } => (
            BuiltinOptions::Conv2DOptions,
            Some(
                Conv2DOptions::create(
                    fbb,
                    &Conv2DOptionsArgs {
                        padding: pad,
                        stride_w: sw,
                        stride_h: sh,
                        fused_activation_function: act,
                        dilation_w_factor: dw,
                        dilation_h_factor: dh,
                    },
                )
                .as_union_value(),
            ),
        ),
        Options::Depthwise { pad, sw, sh, mult, act, dw, dh } => (
            BuiltinOptions::DepthwiseConv2DOptions,
            Some(
                DepthwiseConv2DOptions::create(
                    fbb,
                    &DepthwiseConv2DOptionsArgs {
                        padding: pad,
                        stride_w: sw,
                        stride_h: sh,
                        depth_multiplier: mult,
                        fused_activation_function: act,
                        dilation_w_factor: dw,
                        dilation_h_factor: dh,
                    },
                )
                .as_union_value(),
            ),
        ),
        Options::Pool { pad, sw, sh, fw, fh, act } => (
            BuiltinOptions::Pool2DOptions,
            Some(
                Pool2DOptions::create(
                    fbb,
                    &Pool2DOptionsArgs {
                        padding: pad,
                        stride_w: sw,
                        stride_h: sh,
                        filter_width: fw,
                        filter_height: fh,
                        fused_activation_function: act,
                    },
                )
                .as_union_value(),
            ),
        ),
        Options::Pad => (BuiltinOptions::PadOptions, Some(PadOptions::create(fbb, &PadOptionsArgs {}).as_union_value())),
        Options::Resize { align, half } => (
            BuiltinOptions::ResizeBilinearOptions,
            Some(
                ResizeBilinearOptions::create(fbb, &ResizeBilinearOptionsArgs { align_corners: align, half_pixel_centers: half })
                    .as_union_value(),
            ),
        ),
        Options::Reshape { new_shape, len } => {
            let v = fbb.create_vector(&new_shape[..len]);
            (BuiltinOptions::ReshapeOptions, Some(ReshapeOptions::create(fbb, &ReshapeOptionsArgs { new_shape: Some(v) }).as_union_value()))
        }
        Options::Transpose => {
            (BuiltinOptions::TransposeOptions, Some(TransposeOptions::create(fbb, &TransposeOptionsArgs {}).as_union_value()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densify_csr_last_dimension() {
        // A 2x3 matrix [[0, 5, 0], [7, 0, 9]] stored as CSR over the last dimension.
        let sp = Sparsity {
            traversal_order: vec![0, 1],
            dims: vec![SparseDim::Dense(2), SparseDim::Csr { segments: vec![0, 1, 3], indices: vec![1, 0, 2] }],
        };
        let dense = densify("t", TensorType::INT8, &[2, 3], &sp, &[5, 7, 9]).unwrap();
        assert_eq!(dense, vec![0, 5, 0, 7, 0, 9]);
    }

    #[test]
    fn densify_rejects_short_values() {
        let sp = Sparsity {
            traversal_order: vec![0, 1],
            dims: vec![SparseDim::Dense(2), SparseDim::Csr { segments: vec![0, 1, 3], indices: vec![1, 0, 2] }],
        };
        assert!(densify("t", TensorType::INT8, &[2, 3], &sp, &[5, 7]).is_err());
    }

    fn f32_tensor(name: &str, shape: &[i32]) -> TensorDef<'static> {
        TensorDef { name: name.into(), shape: shape.to_vec(), ty: TensorType::FLOAT32, data: None, sparsity: None }
    }

    fn op(code: BuiltinOperator, inputs: &[i32], outputs: &[i32], options: Options) -> OpDef {
        OpDef { code, inputs: inputs.to_vec(), outputs: outputs.to_vec(), options }
    }

    /// A model in the original form: fp16 constant → DEQUANTIZE → ADD → DEPTH_TO_SPACE → `y`,
    /// plus a second output `z` that the rewrite must prune.
    fn original_model() -> Vec<u8> {
        let c: Vec<u8> = (0..8).flat_map(|i| f16::from_f32(i as f32 * 0.5).to_bits().to_le_bytes()).collect();
        let add = Options::Add { act: tflite::ActivationFunctionType::NONE, pot: false };
        let g = Graph {
            tensors: vec![
                f32_tensor("x", &[1, 2, 2, 8]),
                TensorDef { name: "c16".into(), shape: vec![8], ty: TensorType::FLOAT16, data: Some(Cow::Owned(c)), sparsity: None },
                f32_tensor("c32", &[8]),
                f32_tensor("s", &[1, 2, 2, 8]),
                f32_tensor("y", &[1, 4, 4, 2]),
                f32_tensor("z", &[1, 2, 2, 8]),
            ],
            ops: vec![
                op(BuiltinOperator::DEQUANTIZE, &[1], &[2], Options::None),
                op(BuiltinOperator::ADD, &[0, 2], &[3], add),
                op(BuiltinOperator::DEPTH_TO_SPACE, &[3], &[4], Options::DepthToSpace { block: 2 }),
                op(BuiltinOperator::ADD, &[0, 0], &[5], add),
            ],
            inputs: vec![0],
            outputs: vec![4, 5],
        };
        serialize(g).bytes().to_vec()
    }

    #[test]
    fn rewritten_graph_computes_what_tflite_would() {
        use tract_tflite::prelude::*;
        let rewritten = rewrite(&original_model(), &["y"]).unwrap();
        let bytes = rewritten.bytes();
        let g = parse(bytes).unwrap();
        assert_eq!(g.outputs.len(), 1);
        let codes: Vec<_> = g.ops.iter().map(|o| o.code).collect();
        assert_eq!(codes, [BuiltinOperator::ADD, BuiltinOperator::RESHAPE, BuiltinOperator::TRANSPOSE, BuiltinOperator::RESHAPE]);

        let plan = tract_tflite::tflite().model_for_read(&mut &bytes[..]).unwrap().into_optimized().unwrap().into_runnable().unwrap();
        let x: Vec<f32> = (0..32).map(|v| v as f32).collect();
        let input = tract_ndarray::Array4::from_shape_vec((1, 2, 2, 8), x.clone()).unwrap();
        let out = plan.run(tvec![Tensor::from(input).into()]).unwrap();
        let y = out[0].to_plain_array_view::<f32>().unwrap();
        assert_eq!(y.shape(), &[1, 4, 4, 2]);
        // TFLite DEPTH_TO_SPACE (DCR): y[0, 2h + bh, 2w + bw, c] = s[0, h, w, (2 bh + bw) * 2 + c].
        for h in 0..2 {
            for w in 0..2 {
                for bh in 0..2 {
                    for bw in 0..2 {
                        for c in 0..2 {
                            let ch = (2 * bh + bw) * 2 + c;
                            let s = x[(h * 2 + w) * 8 + ch] + ch as f32 * 0.5;
                            assert_eq!(y[[0, 2 * h + bh, 2 * w + bw, c]], s);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn rewrite_rejects_garbage() {
        assert!(rewrite(b"not a model", &["x"]).is_err());
    }
}
