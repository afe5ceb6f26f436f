//! The first ("stem") convolution of both BlazePose models, replacing tract's.
//!
//! Both models open with a 3×3, stride-2 convolution from the 3 RGB channels to 24. tract runs it
//! as an explicit zero-padding pass, an im2col and a matrix product with an inner dimension of
//! only 27, at about 21 GFLOP/s, plus the ReLU6 fused into it: 1.0 ms in the detector and
//! 1.3 ms in the full landmark model (`examples/op_profile.rs`). This op reads the padding
//! implicitly, keeps all output channels of four neighbouring pixels in registers across the
//! 27 taps, and clamps before storing.
//!
//! It takes any dense (one group), undilated 2-D convolution over at most four input channels
//! with 8, 16, 24 or 32 output channels on NHWC `f32`; anything else stays with tract.

use tract_core::internal::*;
use tract_core::ops::cnn::Conv;

use crate::dwconv::{Clamp, ConvParts, Geometry, conv_output_shape, f32s, output_value};
use crate::simd::{Kernel, Slot};

/// The output channel counts with a compiled kernel.
const OUTPUT_CHANNELS: [usize; 4] = [8, 16, 24, 32];

/// The largest number of input channels taken.
const MAX_INPUT_CHANNELS: usize = 4;

/// Where the stem reads and writes: `g.channels` is the input channel count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StemGeometry {
    pub(crate) g: Geometry,
    pub(crate) out_channels: usize,
}

impl StemGeometry {
    pub(crate) fn input_len(&self) -> usize {
        self.g.input_len()
    }

    pub(crate) fn output_len(&self) -> usize {
        self.g.out_h * self.g.out_w * self.out_channels
    }
}

/// `P` neighbouring output pixels of one row with the tap ranges `ty` and `tx` (the same for
/// all `P`, so `P > 1` only in the interior): all `CO` output channels of each in registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pixels<const CO: usize, const P: usize, const FMA: bool>(
    s: &StemGeometry,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    (ky_lo, ky_hi, iy0): (usize, usize, isize),
    (kx_lo, kx_hi, ix0): (usize, usize, isize),
    (lo, hi): (f32, f32),
    out: &mut [Slot],
) {
    let g = &s.g;
    let cin = g.channels;
    let b: [f32; CO] = bias[..CO].try_into().expect("CO biases");
    let mut acc = [b; P];
    for ky in ky_lo..ky_hi {
        let row = (iy0 + ky as isize) as usize * g.in_w;
        for kx in kx_lo..kx_hi {
            let col = (ix0 + kx as isize) as usize;
            for ci in 0..cin {
                let w: &[f32; CO] = weights[((ky * g.kernel_w + kx) * cin + ci) * CO..][..CO].try_into().expect("CO weights");
                for (p, acc) in acc.iter_mut().enumerate() {
                    let x = input[(row + col + p * g.stride_w) * cin + ci];
                    for i in 0..CO {
                        acc[i] = if FMA { w[i].mul_add(x, acc[i]) } else { acc[i] + w[i] * x };
                    }
                }
            }
        }
    }
    for (p, acc) in acc.iter().enumerate() {
        for (o, &a) in out[p * CO..][..CO].iter_mut().zip(acc) {
            o.set(a.max(lo).min(hi));
        }
    }
}

/// The whole stem convolution of one image: `input` `[in_h, in_w, Cin]`, `weights`
/// `[kh, kw, Cin, CO]`, `bias` `[CO]`, `out` `[out_h, out_w, CO]`.
///
/// Writes every element of `out` (each row: its left border pixels one at a time, its interior
/// four and then one at a time, its right border pixels), as `simd.rs` requires of every
/// kernel; it checks so in debug builds and tests.
#[inline(always)]
fn stem_co<const CO: usize, const FMA: bool>(
    s: &StemGeometry,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    clamp: Clamp,
    out: &mut [Slot],
) {
    let g = &s.g;
    let bounds = (clamp.lo(), clamp.hi());
    let (x_lo, x_hi) = crate::dwconv::interior_range(g.out_w, g.stride_w, g.pad_left, g.kernel_w, g.in_w);
    for oy in 0..g.out_h {
        let ty = Geometry::taps(oy, g.stride_h, g.pad_top, g.kernel_h, g.in_h);
        let row_out = &mut out[oy * g.out_w * CO..][..g.out_w * CO];
        let mut ox = 0;
        while ox < g.out_w {
            let tx = Geometry::taps(ox, g.stride_w, g.pad_left, g.kernel_w, g.in_w);
            if ox >= x_lo && ox + 4 <= x_hi {
                pixels::<CO, 4, FMA>(s, input, weights, bias, ty, tx, bounds, &mut row_out[ox * CO..][..4 * CO]);
                ox += 4;
            } else {
                pixels::<CO, 1, FMA>(s, input, weights, bias, ty, tx, bounds, &mut row_out[ox * CO..][..CO]);
                ox += 1;
            }
        }
    }
}

/// [`stem_co`] for the geometry's output channel count (one of [`OUTPUT_CHANNELS`]).
#[inline(always)]
pub(crate) fn stem_with<const FMA: bool>(s: &StemGeometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: Clamp, out: &mut [Slot]) {
    match s.out_channels {
        8 => stem_co::<8, FMA>(s, input, weights, bias, clamp, out),
        16 => stem_co::<16, FMA>(s, input, weights, bias, clamp, out),
        24 => stem_co::<24, FMA>(s, input, weights, bias, clamp, out),
        32 => stem_co::<32, FMA>(s, input, weights, bias, clamp, out),
        // `plan` admits no other count.
        n => unreachable!("stem convolution with {n} output channels"),
    }
}

/// tract's operator for the stem convolution with its fused activation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StemOp {
    geometry: StemGeometry,
    /// `[kh * kw * Cin, Cout]`.
    weights: Arc<Tensor>,
    /// `[Cout]`.
    bias: Arc<Tensor>,
    clamp: Clamp,
    /// The implementation that runs it, chosen where the model is built.
    kernel_impl: Kernel,
}

impl Op for StemOp {
    fn name(&self) -> StaticName {
        "TonusStemConv".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        Ok(vec![format!("{} → {} channels {} {}", self.geometry.g, self.geometry.out_channels, self.clamp, self.kernel_impl)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for StemOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let s = &self.geometry;
        let data = f32s(&input)?;
        ensure!(s.input_len() > 0 && data.len() % s.input_len() == 0, "stem input holds {} values, not whole images", data.len());
        let shape = conv_output_shape(input.shape().into(), s.g.out_h, s.g.out_w, Some(s.out_channels))?;
        let output = self.kernel_impl.stem(s, data, f32s(&self.weights)?, f32s(&self.bias)?, self.clamp);
        output_value(&shape, output)
    }
}

impl TypedOp for StemOp {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let g = &self.geometry.g;
        Ok(tvec!(f32::fact(conv_output_shape(inputs[0].shape.to_tvec(), g.out_h, g.out_w, Some(self.geometry.out_channels))?)))
    }

    fn cost(&self, inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let g = &self.geometry.g;
        let per_image = self.geometry.output_len() * g.kernel_h * g.kernel_w * g.channels;
        let images = inputs[0].shape.iter().rev().skip(3).product::<TDim>();
        Ok(tvec!((Cost::FMA(f32::datum_type()), images * per_image)))
    }

    as_op!();
}

/// Replaces every convolution [`StemOp`] can run (in practice the first layer of each model) by
/// one running on `kernel_impl`, absorbing a following ReLU/ReLU6. Returns how many were
/// replaced. Run on the decluttered model, before `into_optimized`.
pub(crate) fn replace_stems(model: &mut TypedModel, kernel_impl: Kernel) -> TractResult<usize> {
    crate::dwconv::replace_convs(model, "tonus_stem", plan, |(geometry, weights, bias), clamp| StemOp {
        geometry,
        weights,
        bias,
        clamp,
        kernel_impl,
    })
}

/// A stem's geometry, weights `[kh * kw * Cin, Cout]` and bias `[Cout]`.
type Planned = (StemGeometry, Arc<Tensor>, Arc<Tensor>);

/// The geometry and repacked weights of `conv` if [`StemOp`] can run it.
fn plan(model: &TypedModel, node: &TypedNode, conv: &Conv) -> TractResult<Option<Planned>> {
    let (cin, cout) = (conv.pool_spec.input_channels, conv.pool_spec.output_channels);
    if conv.group != 1 || !(1..=MAX_INPUT_CHANNELS).contains(&cin) || !OUTPUT_CHANNELS.contains(&cout) {
        return Ok(None);
    }
    let Some(ConvParts { geometry: g, kernel, bias }) = ConvParts::of(model, node, conv)? else { return Ok(None) };
    if kernel.shape() != [cout, g.kernel_h, g.kernel_w, cin] {
        return Ok(None);
    }
    // OHWI → [kh, kw, Cin, Cout]: one tap and input channel's weights for all outputs together.
    let ohwi = f32s(&kernel)?;
    let taps = g.kernel_h * g.kernel_w * cin;
    let mut packed = vec![0f32; taps * cout];
    for o in 0..cout {
        for t in 0..taps {
            packed[t * cout + o] = ohwi[o * taps + t];
        }
    }
    let weights = Arc::new(tensor1(&packed).into_shape(&[taps, cout])?);
    Ok(Some((StemGeometry { g, out_channels: cout }, weights, Arc::new(tensor1(&bias)))))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::dwconv::tests::{axis, clamps, eighths, noise};

    /// The textbook definition, for comparison.
    fn reference(s: &StemGeometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
        let g = &s.g;
        let co = s.out_channels;
        let mut out = vec![0.0; s.output_len()];
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                for o in 0..co {
                    let mut acc = bias[o] as f64;
                    for ky in 0..g.kernel_h {
                        for kx in 0..g.kernel_w {
                            let iy = (oy * g.stride_h + ky) as isize - g.pad_top as isize;
                            let ix = (ox * g.stride_w + kx) as isize - g.pad_left as isize;
                            if iy < 0 || ix < 0 || iy as usize >= g.in_h || ix as usize >= g.in_w {
                                continue;
                            }
                            for ci in 0..g.channels {
                                let x = input[(iy as usize * g.in_w + ix as usize) * g.channels + ci];
                                acc += (weights[((ky * g.kernel_w + kx) * g.channels + ci) * co + o] * x) as f64;
                            }
                        }
                    }
                    out[(oy * g.out_w + ox) * co + o] = (acc as f32).max(clamp.lo()).min(clamp.hi());
                }
            }
        }
        out
    }

    /// The shapes the tests run: (in_h, in_w, Cin, Cout, kernel, stride, pad).
    const SHAPES: [(usize, usize, usize, usize, usize, usize, usize); 5] =
        [(17, 19, 3, 24, 3, 2, 1), (8, 8, 3, 16, 3, 1, 1), (5, 9, 1, 8, 3, 2, 0), (6, 5, 4, 32, 5, 1, 2), (1, 2, 3, 24, 3, 2, 1)];

    fn geometry((h, w, cin, cout, k, s, p): (usize, usize, usize, usize, usize, usize, usize)) -> StemGeometry {
        let out = |i: usize| (i + 2 * p).saturating_sub(k) / s + 1;
        let g = Geometry {
            in_h: h,
            in_w: w,
            channels: cin,
            kernel_h: k,
            kernel_w: k,
            stride_h: s,
            stride_w: s,
            pad_top: p,
            pad_left: p,
            out_h: out(h),
            out_w: out(w),
        };
        StemGeometry { g, out_channels: cout }
    }

    #[test]
    fn matches_the_definition() {
        for (i, &shape) in SHAPES.iter().enumerate() {
            let s = geometry(shape);
            let (cin, cout, k) = (shape.2, shape.3, shape.4);
            let input = noise(s.input_len(), i as u32 + 1);
            let weights = noise(k * k * cin * cout, i as u32 + 50);
            let bias = noise(cout, i as u32 + 90);
            for clamp in [Clamp::NONE, Clamp::new(0.0, 6.0)] {
                let want = reference(&s, &input, &weights, &bias, clamp);
                for kernel_impl in Kernel::all() {
                    let got = kernel_impl.stem(&s, &input, &weights, &bias, clamp);
                    assert_eq!(got.len(), want.len());
                    for (j, (a, b)) in got.iter().zip(&want).enumerate() {
                        assert!((a - b).abs() < 1e-5, "{kernel_impl} shape {i} value {j}: {a} vs {b}");
                    }
                }
            }
        }
    }

    /// Any geometry the op takes: 1 to 4 input channels, every compiled output channel count,
    /// kernels up to 5×5 (3×3 most often), strides up to 3, rows with and without interior runs
    /// of four.
    fn geometries() -> impl Strategy<Value = StemGeometry> {
        let kernels = prop_oneof![
            3 => (1usize..=3).prop_flat_map(|s| ((Just(3usize), Just(s), 0usize..3, 0usize..3), (Just(3usize), Just(s), 0usize..3, 0usize..3))),
            1 => (axis(), axis()),
        ];
        (1usize..=20, 1usize..=20, 1..=MAX_INPUT_CHANNELS, prop::sample::select(&OUTPUT_CHANNELS[..]), kernels).prop_filter_map(
            "the kernel must fit in the padded input",
            |(in_h, in_w, cin, out_channels, ((kh, sh, top, bottom), (kw, sw, left, right)))| {
                let out = |i: usize, k: usize, s: usize, pads: usize| (i + pads).checked_sub(k).map(|d| d / s + 1);
                let g = Geometry {
                    in_h,
                    in_w,
                    channels: cin,
                    kernel_h: kh,
                    kernel_w: kw,
                    stride_h: sh,
                    stride_w: sw,
                    pad_top: top,
                    pad_left: left,
                    out_h: out(in_h, kh, sh, top + bottom)?,
                    out_w: out(in_w, kw, sw, left + right)?,
                };
                Some(StemGeometry { g, out_channels })
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Every kernel equals the textbook definition, exactly, on generated shapes (and, in
        /// tests, `simd.rs` checks that it wrote every output element).
        #[test]
        fn every_kernel_matches_the_definition(s in geometries(), clamp in clamps(), seed in any::<u32>()) {
            let g = &s.g;
            let input = eighths(s.input_len() * 2, seed);
            let weights = eighths(g.kernel_h * g.kernel_w * g.channels * s.out_channels, seed ^ 1);
            let bias = eighths(s.out_channels, seed ^ 2);
            let mut want = reference(&s, &input[..s.input_len()], &weights, &bias, clamp);
            want.extend(reference(&s, &input[s.input_len()..], &weights, &bias, clamp));
            for kernel_impl in Kernel::all() {
                let got = kernel_impl.stem(&s, &input, &weights, &bias, clamp);
                prop_assert_eq!(&got, &want, "{} on {} → {}", kernel_impl, g, s.out_channels);
            }
        }
    }
}
