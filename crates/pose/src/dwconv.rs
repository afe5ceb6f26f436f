//! Depthwise convolution for the BlazePose models, replacing tract's own.
//!
//! Profiling the optimised plans (`examples/op_profile.rs`) showed tract's depthwise convolution
//! at 27–30 % of each model's time: on x86-64 it has no SIMD kernel and runs its generic path,
//! which adds one tap at a time to the whole output row in memory, and the ReLU6 after it is one
//! more pass over the tensor. This module swaps every depthwise `Conv` of the decluttered model
//! for [`DepthwiseOp`], which keeps a block of channels in registers across all the taps of one
//! output pixel (as XNNPACK's kernels do), clamps before storing, and so absorbs the `Max`/`Min`
//! pair of a fused ReLU or ReLU6. On CPUs with AVX2 and FMA the same loop runs compiled for
//! them, chosen at run time (`simd.rs`); elsewhere it runs compiled for baseline x86-64 or
//! whatever the target is.
//!
//! The op works on NHWC (or HWC) `f32` tensors, which is what tract-tflite produces; any other
//! depthwise convolution (dilated, quantised, a channel multiplier) is left to tract.

use tract_core::internal::*;
use tract_core::ops::binary::TypedBinOp;
use tract_core::ops::cnn::Conv;
use tract_core::ops::nn::DataFormat;

use crate::simd::{Kernel, Slot};

/// Where the kernel reads and writes, in elements. All sizes are for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Geometry {
    pub(crate) in_h: usize,
    pub(crate) in_w: usize,
    pub(crate) channels: usize,
    pub(crate) kernel_h: usize,
    pub(crate) kernel_w: usize,
    pub(crate) stride_h: usize,
    pub(crate) stride_w: usize,
    pub(crate) pad_top: usize,
    pub(crate) pad_left: usize,
    pub(crate) out_h: usize,
    pub(crate) out_w: usize,
}

impl Geometry {
    pub(crate) fn input_len(&self) -> usize {
        self.in_h * self.in_w * self.channels
    }

    pub(crate) fn output_len(&self) -> usize {
        self.out_h * self.out_w * self.channels
    }

    /// The taps `lo..hi` of one kernel axis that land inside the input for output position
    /// `o`, and the input coordinate of tap 0 (which may be negative, in the padding).
    pub(crate) fn taps(o: usize, stride: usize, pad: usize, kernel: usize, input: usize) -> (usize, usize, isize) {
        let start = (o * stride) as isize - pad as isize;
        let lo = (-start).clamp(0, kernel as isize) as usize;
        let hi = (input as isize - start).clamp(lo as isize, kernel as isize) as usize;
        (lo, hi, start)
    }
}

impl std::fmt::Display for Geometry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}x{}x{} kernel {}x{} stride {}x{} pad {},{}",
            self.in_h, self.in_w, self.channels, self.kernel_h, self.kernel_w, self.stride_h, self.stride_w, self.pad_top, self.pad_left
        )
    }
}

/// `shape` (NHWC or HWC) with its spatial axes set to `out_h × out_w` and, if given, its channel
/// axis to `channels`: the output shape of a convolution, as values or as tract's dimensions.
pub(crate) fn conv_output_shape<D: From<usize>>(
    mut shape: TVec<D>,
    out_h: usize,
    out_w: usize,
    channels: Option<usize>,
) -> TractResult<TVec<D>> {
    let rank = shape.len();
    ensure!(rank >= 3, "convolution input of rank {rank}");
    shape[rank - 3] = out_h.into();
    shape[rank - 2] = out_w.into();
    if let Some(c) = channels {
        shape[rank - 1] = c.into();
    }
    Ok(shape)
}

/// A computed output as tract's value.
pub(crate) fn output_value(shape: &[usize], data: Vec<f32>) -> TractResult<TVec<TValue>> {
    Ok(tvec!(tract_ndarray::ArrayD::from_shape_vec(shape, data)?.into_tensor().into_tvalue()))
}

/// The activation fused into the convolution: outputs are clamped to `[lo, hi]`. The bounds are
/// kept as bit patterns so the op can be `Eq`, as tract requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Clamp {
    lo: u32,
    hi: u32,
}

impl std::fmt::Display for Clamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "clamp [{}, {}]", self.lo(), self.hi())
    }
}

impl Clamp {
    #[cfg(test)]
    pub(crate) const NONE: Clamp = Clamp { lo: f32::NEG_INFINITY.to_bits(), hi: f32::INFINITY.to_bits() };

    pub(crate) fn new(lo: f32, hi: f32) -> Clamp {
        Clamp { lo: lo.to_bits(), hi: hi.to_bits() }
    }

    pub(crate) fn lo(self) -> f32 {
        f32::from_bits(self.lo)
    }

    pub(crate) fn hi(self) -> f32 {
        f32::from_bits(self.hi)
    }
}

/// One output pixel's block of `N` channels: bias, every tap inside the image, clamp, store.
/// `FMA` picks fused multiply-add, which is only fast where the caller is compiled with it.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pixel_block<const N: usize, const FMA: bool>(
    g: &Geometry,
    input: &[f32],
    kernel: &[f32],
    bias: &[f32],
    (ky_lo, ky_hi, iy0): (usize, usize, isize),
    (kx_lo, kx_hi, ix0): (usize, usize, isize),
    c: usize,
    (lo, hi): (f32, f32),
    out: &mut [Slot],
) {
    let mut acc: [f32; N] = bias[c..c + N].try_into().expect("block of N");
    for ky in ky_lo..ky_hi {
        let row = (iy0 + ky as isize) as usize * g.in_w;
        for kx in kx_lo..kx_hi {
            let col = (ix0 + kx as isize) as usize;
            let x: &[f32; N] = input[(row + col) * g.channels + c..][..N].try_into().expect("block of N");
            let k: &[f32; N] = kernel[(ky * g.kernel_w + kx) * g.channels + c..][..N].try_into().expect("block of N");
            for i in 0..N {
                acc[i] = if FMA { k[i].mul_add(x[i], acc[i]) } else { acc[i] + k[i] * x[i] };
            }
        }
    }
    for (o, a) in out[c..c + N].iter_mut().zip(acc) {
        o.set(a.max(lo).min(hi));
    }
}

/// `P` neighbouring output pixels (`pixel_step` apart in the input) whose `K`×`K` taps all lie
/// inside the input; `base` is the index of the first pixel's tap (0, 0), first channel. With
/// `K`, `N` and `P` known at compile time the loops unroll, every load has a constant offset,
/// each kernel load serves `P` pixels, and the `P` × `N / 8` accumulators are independent
/// chains, so the FMA latency is hidden.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn interior_block<const K: usize, const N: usize, const P: usize, const FMA: bool>(
    input: &[f32],
    kernel: &[f32],
    bias: &[f32],
    (row_stride, pixel_step, channels): (usize, usize, usize),
    base: usize,
    c: usize,
    (lo, hi): (f32, f32),
    out: &mut [Slot],
) {
    let b: [f32; N] = bias[c..c + N].try_into().expect("block of N");
    let mut acc = [b; P];
    for ky in 0..K {
        for kx in 0..K {
            let k: &[f32; N] = kernel[(ky * K + kx) * channels + c..][..N].try_into().expect("block of N");
            for (p, acc) in acc.iter_mut().enumerate() {
                let at = base + p * pixel_step + ky * row_stride + kx * channels + c;
                let x: &[f32; N] = input[at..][..N].try_into().expect("block of N");
                for i in 0..N {
                    acc[i] = if FMA { k[i].mul_add(x[i], acc[i]) } else { acc[i] + k[i] * x[i] };
                }
            }
        }
    }
    for (p, acc) in acc.iter().enumerate() {
        for (o, &a) in out[p * channels + c..][..N].iter_mut().zip(acc) {
            o.set(a.max(lo).min(hi));
        }
    }
}

/// The output positions `lo..hi` along one axis whose taps all lie inside the input.
pub(crate) fn interior_range(out: usize, stride: usize, pad: usize, kernel: usize, input: usize) -> (usize, usize) {
    let lo = pad.div_ceil(stride).min(out);
    // Largest o with o * stride - pad + kernel <= input.
    let hi = if input + pad >= kernel { ((input + pad - kernel) / stride + 1).min(out) } else { 0 };
    (lo, hi.max(lo))
}

/// Strides through the input, in elements: one input row, one output pixel's step, one pixel.
pub(crate) type Steps = (usize, usize, usize);

/// How a run of interior output pixels (all taps inside the input, square 3×3 or 5×5 kernel) is
/// computed. The portable implementation is below; `simd.rs` has the AVX2/FMA one.
pub(crate) trait Interior {
    /// Whether the edge pixels may use fused multiply-add (true where the caller is compiled
    /// for FMA).
    const FMA: bool;

    /// `count` output pixels of one row, the first of whose tap (0, 0) starts at `base`, for
    /// channels `chans.0..chans.1`; `out` holds exactly their `count × C` values.
    #[allow(clippy::too_many_arguments)]
    fn run<const K: usize>(
        &self,
        input: &[f32],
        kernel: &[f32],
        bias: &[f32],
        steps: Steps,
        base: usize,
        count: usize,
        chans: (usize, usize),
        bounds: (f32, f32),
        out: &mut [Slot],
    );
}

/// Safe Rust, vectorised by the compiler for whatever the target is.
pub(crate) struct Portable<const FMA: bool>;

impl<const FMA: bool> Interior for Portable<FMA> {
    const FMA: bool = FMA;

    #[inline(always)]
    fn run<const K: usize>(
        &self,
        input: &[f32],
        kernel: &[f32],
        bias: &[f32],
        steps: Steps,
        base: usize,
        count: usize,
        (c0, c1): (usize, usize),
        bounds: (f32, f32),
        out: &mut [Slot],
    ) {
        let (_, pixel_step, ch) = steps;
        let mut px = 0;
        while px < count {
            let pixels = if px + 4 <= count { 4 } else { 1 };
            let (o, at) = (&mut out[px * ch..][..pixels * ch], base + px * pixel_step);
            if pixels == 4 {
                pixel_run::<K, 4, FMA>(input, kernel, bias, steps, at, (c0, c1), bounds, o);
            } else {
                pixel_run::<K, 1, FMA>(input, kernel, bias, steps, at, (c0, c1), bounds, o);
            }
            px += pixels;
        }
    }
}

/// `P` interior pixels, channels `c0..c1`: eight at a time, then one by one.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pixel_run<const K: usize, const P: usize, const FMA: bool>(
    input: &[f32],
    kernel: &[f32],
    bias: &[f32],
    steps: Steps,
    base: usize,
    (c0, c1): (usize, usize),
    bounds: (f32, f32),
    out: &mut [Slot],
) {
    let mut c = c0;
    while c + 8 <= c1 {
        interior_block::<K, 8, P, FMA>(input, kernel, bias, steps, base, c, bounds, out);
        c += 8;
    }
    while c < c1 {
        interior_block::<K, 1, P, FMA>(input, kernel, bias, steps, base, c, bounds, out);
        c += 1;
    }
}

/// The whole convolution of one image. `input` is `[in_h, in_w, C]`, `kernel` `[kh, kw, C]`,
/// `bias` `[C]` and `out` `[out_h, out_w, C]`, all row-major. Interior pixels go to `interior`,
/// border pixels (some taps in the padding) to the bounds-checked path.
///
/// Writes every element of `out` (for each chunk of channels, each row is its left border
/// pixels, its interior run and its right border pixels, the chunk's channels of each), as
/// `simd.rs` requires of every kernel; it checks so in debug builds and tests.
#[inline(always)]
pub(crate) fn depthwise_with<I: Interior>(
    interior: &I,
    g: &Geometry,
    input: &[f32],
    kernel: &[f32],
    bias: &[f32],
    clamp: Clamp,
    out: &mut [Slot],
) {
    let bounds = (clamp.lo(), clamp.hi());
    let ch = g.channels;
    let (iy_lo, iy_hi) = interior_range(g.out_h, g.stride_h, g.pad_top, g.kernel_h, g.in_h);
    let (ix_lo, ix_hi) = interior_range(g.out_w, g.stride_w, g.pad_left, g.kernel_w, g.in_w);
    let square = g.kernel_h == g.kernel_w && matches!(g.kernel_h, 3 | 5);
    // Channels go in chunks, each over the whole image: a chunk's input rows under the kernel
    // stay in L1 while the pixels pass over them (with all 672 channels of a 14×14 image at
    // once they did not, and the loads waited on L2).
    for c0 in (0..ch).step_by(CHANNEL_CHUNK) {
        let chans = (c0, (c0 + CHANNEL_CHUNK).min(ch));
        for oy in 0..g.out_h {
            let ty = Geometry::taps(oy, g.stride_h, g.pad_top, g.kernel_h, g.in_h);
            let row_out = &mut out[oy * g.out_w * ch..][..g.out_w * ch];
            let mut ox = 0;
            if square && (iy_lo..iy_hi).contains(&oy) && ix_lo < ix_hi {
                while ox < ix_lo {
                    edge_pixel(I::FMA, g, input, kernel, bias, ty, ox, chans, bounds, &mut row_out[ox * ch..][..ch]);
                    ox += 1;
                }
                let steps = (g.in_w * ch, g.stride_w * ch, ch);
                let base = ((oy * g.stride_h - g.pad_top) * g.in_w + ix_lo * g.stride_w - g.pad_left) * ch;
                let count = ix_hi - ix_lo;
                let o = &mut row_out[ix_lo * ch..ix_hi * ch];
                if g.kernel_h == 3 {
                    interior.run::<3>(input, kernel, bias, steps, base, count, chans, bounds, o);
                } else {
                    interior.run::<5>(input, kernel, bias, steps, base, count, chans, bounds, o);
                }
                ox = ix_hi;
            }
            while ox < g.out_w {
                edge_pixel(I::FMA, g, input, kernel, bias, ty, ox, chans, bounds, &mut row_out[ox * ch..][..ch]);
                ox += 1;
            }
        }
    }
}

/// Channels per pass over the image (a multiple of 16, the widest block). Measured on the
/// detector: 14×14×672 under 5×5 went from 0.34 to 0.30 ms, 28×28×240 from 0.39 to 0.33, and
/// the depthwise total from 3.7 to 3.4 ms.
const CHANNEL_CHUNK: usize = 64;

/// One output pixel with some taps outside the input (or of a kernel shape without a fast path).
/// `fma` is a constant wherever this is inlined.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn edge_pixel(
    fma: bool,
    g: &Geometry,
    input: &[f32],
    kernel: &[f32],
    bias: &[f32],
    ty: (usize, usize, isize),
    ox: usize,
    (c0, c1): (usize, usize),
    bounds: (f32, f32),
    px: &mut [Slot],
) {
    let tx = Geometry::taps(ox, g.stride_w, g.pad_left, g.kernel_w, g.in_w);
    let mut c = c0;
    while c + 8 <= c1 {
        if fma {
            pixel_block::<8, true>(g, input, kernel, bias, ty, tx, c, bounds, px);
        } else {
            pixel_block::<8, false>(g, input, kernel, bias, ty, tx, c, bounds, px);
        }
        c += 8;
    }
    while c < c1 {
        if fma {
            pixel_block::<1, true>(g, input, kernel, bias, ty, tx, c, bounds, px);
        } else {
            pixel_block::<1, false>(g, input, kernel, bias, ty, tx, c, bounds, px);
        }
        c += 1;
    }
}

/// tract's operator for one depthwise convolution with its fused activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DepthwiseOp {
    geometry: Geometry,
    /// `[kh * kw, C]`.
    kernel: Arc<Tensor>,
    /// `[C]`.
    bias: Arc<Tensor>,
    clamp: Clamp,
    /// The implementation that runs it, chosen where the model is built.
    kernel_impl: Kernel,
}

impl Op for DepthwiseOp {
    fn name(&self) -> StaticName {
        "TonusDepthwise".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!("{} {} {}", self.geometry, self.clamp, self.kernel_impl)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for DepthwiseOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let g = &self.geometry;
        let input_data = f32s(&input)?;
        let images = input_data.len() / g.input_len().max(1);
        ensure!(images * g.input_len() == input_data.len(), "depthwise input holds {} values, not whole images", input_data.len());
        let shape = conv_output_shape(input.shape().into(), g.out_h, g.out_w, None)?;
        let output = self.kernel_impl.depthwise(g, input_data, f32s(&self.kernel)?, f32s(&self.bias)?, self.clamp);
        output_value(&shape, output)
    }
}

impl TypedOp for DepthwiseOp {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact(conv_output_shape(inputs[0].shape.to_tvec(), self.geometry.out_h, self.geometry.out_w, None)?)))
    }

    fn cost(&self, inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let g = &self.geometry;
        let per_image = g.output_len() * g.kernel_h * g.kernel_w;
        let images = inputs[0].shape.iter().rev().skip(3).product::<TDim>();
        Ok(tvec!((Cost::FMA(f32::datum_type()), images * per_image)))
    }

    as_op!();
}

/// Replaces every depthwise convolution tract would run on its generic path with
/// [`DepthwiseOp`] running on `kernel_impl`, absorbing a following ReLU/ReLU6. Returns how many
/// were replaced. Run it on the decluttered model, before `into_optimized`.
pub(crate) fn replace_depthwise(model: &mut TypedModel, kernel_impl: Kernel) -> TractResult<usize> {
    replace_convs(model, "tonus_depthwise", plan, |(geometry, kernel, bias), clamp| DepthwiseOp {
        geometry,
        kernel,
        bias,
        clamp,
        kernel_impl,
    })
}

/// Replaces every `Conv` that `plan` accepts by the op `make` builds from the plan and the
/// clamp of the ReLU/ReLU6 after it (which it absorbs). Returns how many were replaced.
pub(crate) fn replace_convs<P, O: TypedOp>(
    model: &mut TypedModel,
    suffix: &str,
    plan: impl Fn(&TypedModel, &TypedNode, &Conv) -> TractResult<Option<P>>,
    make: impl Fn(P, Clamp) -> O,
) -> TractResult<usize> {
    let mut replaced = 0;
    for id in model.eval_order()? {
        let node = model.node(id);
        let Some(conv) = node.op_as::<Conv>() else { continue };
        let Some(planned) = plan(model, node, conv)? else { continue };
        let input = node.inputs[0];
        let (last, clamp) = absorb_clamp(model, id)?;
        swap_in(model, id, &[input], last, make(planned, clamp), suffix)?;
        replaced += 1;
    }
    model.compact()?;
    Ok(replaced)
}

/// The `max(x, lo)` then `min(x, hi)` (either may be missing) that follow node `id`'s output
/// and that nothing else reads: the outlet of the last one and the clamp they amount to.
pub(crate) fn absorb_clamp(model: &TypedModel, id: usize) -> TractResult<(OutletId, Clamp)> {
    let mut last = OutletId::new(id, 0);
    let mut clamp = (f32::NEG_INFINITY, f32::INFINITY);
    for step in ["Max", "Min"] {
        let Some((next, other)) = binary_successor(model, last, step)? else { break };
        let Some(bound) = model.outlet_fact(other)?.konst.as_ref().and_then(|t| uniform_f32(t)) else { break };
        if step == "Max" {
            clamp.0 = bound;
        } else {
            clamp.1 = bound;
        }
        last = OutletId::new(next, 0);
    }
    Ok((last, Clamp::new(clamp.0, clamp.1)))
}

/// The node that alone reads `outlet` (which is not a model output), if it is the binary op
/// `name` (`Add`, `Max`, `Min`): its id and its other operand.
pub(crate) fn binary_successor(model: &TypedModel, outlet: OutletId, name: &str) -> TractResult<Option<(usize, OutletId)>> {
    let succ = &model.node(outlet.node).outputs[outlet.slot].successors;
    if succ.len() != 1 || model.output_outlets()?.contains(&outlet) {
        return Ok(None);
    }
    let next = model.node(succ[0].node);
    let is_op = next.inputs.len() == 2 && next.op_as::<TypedBinOp>().is_some_and(|b| b.0.name() == name);
    Ok(is_op.then(|| (next.id, next.inputs[1 - succ[0].slot])))
}

/// Wires `op` on `inputs` (outlets of `model`), named after node `id`, and routes everything that
/// read `last` to it.
pub(crate) fn swap_in(
    model: &mut TypedModel,
    id: usize,
    inputs: &[OutletId],
    last: OutletId,
    op: impl TypedOp,
    suffix: &str,
) -> TractResult<()> {
    let mut patch = TypedModelPatch::default();
    let taps = inputs.iter().map(|&i| patch.tap_model(model, i)).collect::<TractResult<TVec<_>>>()?;
    let name = format!("{}.{suffix}", model.node(id).name);
    let wire = patch.wire_node(name, op, &taps)?;
    patch.shunt_outside(model, last, wire[0])?;
    patch.apply(model)
}

/// What every convolution this crate runs shares, checked and read from tract's `Conv`: NHWC
/// (or HWC) `f32`, two spatial axes, no dilation, not quantised, constant kernel and bias, a
/// concrete input shape. The geometry's `channels` are the input channels; the bias is
/// broadcast to the output channels.
pub(crate) struct ConvParts {
    pub(crate) geometry: Geometry,
    pub(crate) kernel: Arc<Tensor>,
    pub(crate) bias: Vec<f32>,
}

impl ConvParts {
    pub(crate) fn of(model: &TypedModel, node: &TypedNode, conv: &Conv) -> TractResult<Option<ConvParts>> {
        let spec = &conv.pool_spec;
        let input = model.outlet_fact(node.inputs[0])?;
        if !matches!(spec.data_format, DataFormat::NHWC | DataFormat::HWC)
            || conv.q_params.is_some()
            || input.datum_type != f32::datum_type()
            || spec.kernel_shape.len() != 2
            || spec.dilations().iter().any(|&d| d != 1)
            || node.inputs.len() != 3
        {
            return Ok(None);
        }
        let Some(shape) = input.shape.as_concrete() else { return Ok(None) };
        let rank = shape.len();
        if rank < 3 || shape[rank - 1] != spec.input_channels {
            return Ok(None);
        }
        let (Some(kernel), Some(bias)) =
            (model.outlet_fact(node.inputs[1])?.konst.clone(), model.outlet_fact(node.inputs[2])?.konst.clone())
        else {
            return Ok(None);
        };
        let Some(bias) = bias_values(&bias, spec.output_channels) else { return Ok(None) };
        if kernel.datum_type() != f32::datum_type() {
            return Ok(None);
        }
        let hw = &shape[rank - 3..rank - 1];
        let padded = spec.computed_padding(hw);
        let geometry = Geometry {
            in_h: hw[0],
            in_w: hw[1],
            channels: spec.input_channels,
            kernel_h: spec.kernel_shape[0],
            kernel_w: spec.kernel_shape[1],
            stride_h: spec.stride(0),
            stride_w: spec.stride(1),
            pad_top: padded[0].pad_before,
            pad_left: padded[1].pad_before,
            out_h: padded[0].convoluted,
            out_w: padded[1].convoluted,
        };
        Ok(Some(ConvParts { geometry, kernel, bias }))
    }
}

/// A constant bias as `n` values: `n` of them, or one broadcast.
pub(crate) fn bias_values(bias: &Tensor, n: usize) -> Option<Vec<f32>> {
    let values = f32s(bias).ok()?;
    match values.len() {
        len if len == n => Some(values.to_vec()),
        1 => Some(vec![values[0]; n]),
        _ => None,
    }
}

/// A convolution's geometry, kernel `[kh * kw, C]` and bias `[C]`.
type Planned = (Geometry, Arc<Tensor>, Arc<Tensor>);

/// The geometry and constant weights of `conv` if [`DepthwiseOp`] can run it.
fn plan(model: &TypedModel, node: &TypedNode, conv: &Conv) -> TractResult<Option<Planned>> {
    let spec = &conv.pool_spec;
    let channels = conv.group;
    if channels <= 1 || spec.input_channels != channels || spec.output_channels != channels {
        return Ok(None);
    }
    let Some(ConvParts { geometry, kernel, bias }) = ConvParts::of(model, node, conv)? else { return Ok(None) };
    let (kh, kw) = (geometry.kernel_h, geometry.kernel_w);
    // tract-tflite gives depthwise kernels as OHWI [1, kh, kw, C]: tap-major, channels inner.
    if kernel.shape() != [1, kh, kw, channels] {
        return Ok(None);
    }
    let kernel = Arc::new(kernel.as_ref().clone().into_shape(&[kh * kw, channels])?);
    Ok(Some((geometry, kernel, Arc::new(tensor1(&bias)))))
}

/// A tensor's values, read in place.
pub(crate) fn f32s(t: &Tensor) -> TractResult<&[f32]> {
    t.try_as_plain_ram()?.as_slice::<f32>()
}

/// The value of a constant whose elements are all equal.
fn uniform_f32(t: &Tensor) -> Option<f32> {
    let v = f32s(t).ok()?;
    let first = *v.first()?;
    v.iter().all(|&x| x == first).then_some(first)
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The textbook definition, for comparison.
    fn reference(g: &Geometry, input: &[f32], kernel: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
        let mut out = vec![0.0; g.output_len()];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                for c in 0..g.channels {
                    let mut acc = bias[c] as f64;
                    for ky in 0..g.kernel_h {
                        for kx in 0..g.kernel_w {
                            let iy = (oy * g.stride_h + ky) as isize - g.pad_top as isize;
                            let ix = (ox * g.stride_w + kx) as isize - g.pad_left as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w {
                                let x = input[(iy as usize * g.in_w + ix as usize) * g.channels + c];
                                acc += (kernel[(ky * g.kernel_w + kx) * g.channels + c] * x) as f64;
                            }
                        }
                    }
                    out[(oy * g.out_w + ox) * g.channels + c] = (acc as f32).max(clamp.lo()).min(clamp.hi());
                }
            }
        }
        out
    }

    /// A deterministic pseudo-random sequence in [-1, 1).
    pub(crate) fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).max(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    pub(crate) fn geometry(in_h: usize, in_w: usize, channels: usize, k: usize, stride: usize, pad: usize) -> Geometry {
        let out = |i: usize| (i + 2 * pad - k) / stride + 1;
        Geometry {
            in_h,
            in_w,
            channels,
            kernel_h: k,
            kernel_w: k,
            stride_h: stride,
            stride_w: stride,
            pad_top: pad,
            pad_left: pad,
            out_h: out(in_h),
            out_w: out(in_w),
        }
    }

    #[test]
    fn matches_the_definition_for_every_shape_the_models_use_and_odd_ones() {
        // Channel counts exercise the 16-, 8- and 1-wide blocks; sizes and strides the borders.
        for (i, &(h, w, c, k, s, p)) in [
            (9, 7, 24, 3, 1, 1),
            (8, 8, 40, 5, 2, 2),
            (5, 6, 3, 3, 2, 1),
            (7, 7, 17, 5, 1, 2),
            (1, 1, 8, 3, 1, 1),
            (6, 4, 33, 3, 1, 0),
            (9, 11, 150, 5, 1, 2),
        ]
        .iter()
        .enumerate()
        {
            let g = geometry(h, w, c, k, s, p);
            let input = noise(g.input_len(), i as u32 + 1);
            let kernel = noise(k * k * c, i as u32 + 100);
            let bias = noise(c, i as u32 + 200);
            for clamp in [Clamp::NONE, Clamp::new(0.0, 6.0), Clamp::new(0.0, f32::INFINITY)] {
                let want = reference(&g, &input, &kernel, &bias, clamp);
                for kernel_impl in Kernel::all() {
                    let got = kernel_impl.depthwise(&g, &input, &kernel, &bias, clamp);
                    assert_eq!(got.len(), want.len());
                    for (j, (&a, &r)) in got.iter().zip(&want).enumerate() {
                        assert!((a - r).abs() < 1e-5, "{kernel_impl} shape {i} value {j}: {a} vs {r}");
                    }
                }
            }
        }
    }

    /// `n` multiples of 1/8 in [-2, 2], from `seed`. Products of two are multiples of 1/64 of
    /// at most 4 in size, so every sum of fewer than 2^16 of them is exact in `f32`, in any
    /// order, fused or not: a kernel must equal the definition exactly.
    pub(crate) fn eighths(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 33) as f32 / 8.0 - 2.0
            })
            .collect()
    }

    /// No clamp, ReLU6, ReLU, or bounds in eighths around zero.
    pub(crate) fn clamps() -> impl Strategy<Value = Clamp> {
        prop_oneof![
            Just(Clamp::NONE),
            Just(Clamp::new(0.0, 6.0)),
            Just(Clamp::new(0.0, f32::INFINITY)),
            (-16i32..=0, 0i32..=16).prop_map(|(lo, hi)| Clamp::new(lo as f32 / 8.0, hi as f32 / 8.0)),
        ]
    }

    /// Kernel sides, strides and paddings along one axis: (kernel, stride, pad before, pad
    /// after), the pads up to one less than the kernel.
    pub(crate) fn axis() -> impl Strategy<Value = (usize, usize, usize, usize)> {
        (1usize..=5, 1usize..=3).prop_flat_map(|(k, s)| (Just(k), Just(s), 0..k, 0..k))
    }

    /// Any geometry the op takes: square 3×3 and 5×5 kernels (the fast interior) most often,
    /// any other up to 5×5, strides up to 3, channel counts across one and two chunks.
    fn geometries() -> impl Strategy<Value = Geometry> {
        let square = (prop_oneof![Just(3usize), Just(5)], 1usize..=3).prop_flat_map(|(k, s)| {
            let pads = (0..k, 0..k, 0..k, 0..k);
            (Just((k, s)), pads).prop_map(|((k, s), (t, b, l, r))| ((k, s, t, b), (k, s, l, r)))
        });
        let kernels = prop_oneof![3 => square, 1 => (axis(), axis())];
        (1usize..=13, 1usize..=13, prop_oneof![1usize..=40, 60usize..=80], kernels).prop_filter_map(
            "the kernel must fit in the padded input",
            |(in_h, in_w, channels, ((kh, sh, top, bottom), (kw, sw, left, right)))| {
                let out = |i: usize, k: usize, s: usize, pads: usize| (i + pads).checked_sub(k).map(|d| d / s + 1);
                Some(Geometry {
                    in_h,
                    in_w,
                    channels,
                    kernel_h: kh,
                    kernel_w: kw,
                    stride_h: sh,
                    stride_w: sw,
                    pad_top: top,
                    pad_left: left,
                    out_h: out(in_h, kh, sh, top + bottom)?,
                    out_w: out(in_w, kw, sw, left + right)?,
                })
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Every kernel equals the textbook definition, exactly, on generated shapes (and, in
        /// tests, `simd.rs` checks that it wrote every output element).
        #[test]
        fn every_kernel_matches_the_definition(g in geometries(), clamp in clamps(), seed in any::<u32>()) {
            let input = eighths(g.input_len() * 2, seed);
            let kernel = eighths(g.kernel_h * g.kernel_w * g.channels, seed ^ 1);
            let bias = eighths(g.channels, seed ^ 2);
            let mut want = reference(&g, &input[..g.input_len()], &kernel, &bias, clamp);
            want.extend(reference(&g, &input[g.input_len()..], &kernel, &bias, clamp));
            for kernel_impl in Kernel::all() {
                let got = kernel_impl.depthwise(&g, &input, &kernel, &bias, clamp);
                prop_assert_eq!(&got, &want, "{} on {}", kernel_impl, g);
            }
        }
    }
}
