//! 1×1 ("pointwise") convolutions, replacing tract's matrix product.
//!
//! A 1×1 convolution on an NHWC tensor is a matrix product: pixels × input channels times input
//! × output channels. tract packs the activations into panels before every product (7–8 % of
//! each model) and its kernels ran the short products, the expansion layers of both models
//! (16 or 24 input channels onto 64 or 144, on 112² or 128² pixels), at 25–40 GFLOP/s
//! (`examples/op_profile.rs`). This op reads the activations in place, keeps the weights packed
//! once at load in panels of eight output channels, and fuses the bias, a residual addition and
//! the clamp of a ReLU/ReLU6. Measured on both models it is faster than tract on the long
//! products as well, so it takes them all.
//!
//! It takes an `EinSum` of the form `[..., I] × [O, I] → [..., O]` with constant weights, a
//! constant bias `Add` after it, and `O` a multiple of eight (see [`takes`]); everything else
//! (the few detection heads with 1, 2, 6 or 39 outputs) stays with tract.

use tract_core::internal::*;
use tract_core::ops::einsum::EinSum;

use crate::dwconv::{Clamp, absorb_clamp, bias_values, binary_successor, f32s, output_value, swap_in};
use crate::simd::{Kernel, Slot};

/// Output channels per weight panel.
pub(crate) const PANEL: usize = 8;

/// Whether this op takes a product with inner dimension `k` and `n` output channels: any whose
/// output channels come in whole panels. (It was first meant for short products only, where
/// tract's packing dominates; measured, it beats tract on the long ones too.)
pub(crate) fn takes(k: usize, n: usize) -> bool {
    n.is_multiple_of(PANEL) && k > 0
}

/// How many weight panels to run over all rows before moving on: as many as fit in 256 KiB
/// (half this machine's L2), an even number, at least two.
pub(crate) fn panel_group(k: usize) -> usize {
    ((256 * 1024) / (k.max(1) * PANEL * 4)).max(2) & !1
}

/// The product's sizes: `m` rows (pixels), inner `k`, `n` output channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Dims {
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) n: usize,
}

/// Packs `[n, k]` weights (tract's `OI`) into panels: panel `j` holds, for each `k`, the
/// weights of output channels `8j..8j + 8`, so `packed[(j * k + kk) * 8 + i] = w[8j + i][kk]`.
pub(crate) fn pack(w: &[f32], k: usize, n: usize) -> Vec<f32> {
    let mut packed = vec![0f32; k * n];
    for o in 0..n {
        let (j, i) = (o / PANEL, o % PANEL);
        for kk in 0..k {
            packed[(j * k + kk) * PANEL + i] = w[o * k + kk];
        }
    }
    packed
}

/// `R` rows × one panel, portable: accumulators start at the bias, take the whole inner
/// dimension, add the residual, are clamped and written.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile<const R: usize, const FMA: bool>(
    d: &Dims,
    a: &[f32],
    packed: &[f32],
    bias: &[f32],
    residual: Option<&[f32]>,
    (lo, hi): (f32, f32),
    m0: usize,
    j: usize,
    out: &mut [Slot],
) {
    let b: [f32; PANEL] = bias[j * PANEL..][..PANEL].try_into().expect("a panel of biases");
    let mut acc = [b; R];
    let w = &packed[j * d.k * PANEL..][..d.k * PANEL];
    for kk in 0..d.k {
        let wk: &[f32; PANEL] = w[kk * PANEL..][..PANEL].try_into().expect("a panel of weights");
        for (r, acc) in acc.iter_mut().enumerate() {
            let x = a[(m0 + r) * d.k + kk];
            for i in 0..PANEL {
                acc[i] = if FMA { wk[i].mul_add(x, acc[i]) } else { acc[i] + wk[i] * x };
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let at = (m0 + r) * d.n + j * PANEL;
        for (i, &v) in acc.iter().enumerate() {
            let v = v + residual.map_or(0.0, |res| res[at + i]);
            out[at + i].set(v.max(lo).min(hi));
        }
    }
}

/// The whole product, portable. Writes every element of `out` (`m × n`: for every group of
/// panels, every row in blocks of four then one by one, every panel of the group), as
/// `simd.rs` requires of every kernel; it checks so in debug builds and tests.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn pointwise_with<const FMA: bool>(
    d: &Dims,
    a: &[f32],
    packed: &[f32],
    bias: &[f32],
    residual: Option<&[f32]>,
    clamp: Clamp,
    out: &mut [Slot],
) {
    let bounds = (clamp.lo(), clamp.hi());
    let panels = d.n / PANEL;
    let group = panel_group(d.k);
    for g0 in (0..panels).step_by(group) {
        let mut m0 = 0;
        while m0 < d.m {
            let rows = if m0 + 4 <= d.m { 4 } else { 1 };
            for j in g0..(g0 + group).min(panels) {
                if rows == 4 {
                    tile::<4, FMA>(d, a, packed, bias, residual, bounds, m0, j, out);
                } else {
                    tile::<1, FMA>(d, a, packed, bias, residual, bounds, m0, j, out);
                }
            }
            m0 += rows;
        }
    }
}

/// tract's operator for one pointwise convolution with its bias, residual and clamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PointwiseOp {
    k: usize,
    n: usize,
    /// The output shape for one run (the `EinSum` may add or drop a unit batch axis).
    output_shape: TVec<usize>,
    /// Panels of eight output channels, see [`pack`].
    packed: Arc<Tensor>,
    /// `[n]`.
    bias: Arc<Tensor>,
    /// Whether a second input is added before the clamp.
    residual: bool,
    clamp: Clamp,
    /// The implementation that runs it, chosen where the model is built.
    kernel_impl: Kernel,
}

impl Op for PointwiseOp {
    fn name(&self) -> StaticName {
        "TonusPointwise".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let m = self.output_shape.iter().product::<usize>() / self.n.max(1);
        let residual = if self.residual { " + residual" } else { "" };
        Ok(vec![format!("m:{m} k:{} n:{}{residual} {} {}", self.k, self.n, self.clamp, self.kernel_impl)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for PointwiseOp {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let a = f32s(&inputs[0])?;
        let d = Dims { m: a.len() / self.k, k: self.k, n: self.n };
        ensure!(d.m * d.k == a.len() && d.m * d.n == self.output_shape.iter().product::<usize>(), "pointwise input of {} values", a.len());
        let residual = if self.residual {
            let r = f32s(&inputs[1])?;
            ensure!(r.len() == d.m * d.n, "residual of {} values for a {}×{} output", r.len(), d.m, d.n);
            Some(r)
        } else {
            None
        };
        let out = self.kernel_impl.pointwise(&d, a, f32s(&self.packed)?, f32s(&self.bias)?, residual, self.clamp);
        output_value(&self.output_shape, out)
    }
}

impl TypedOp for PointwiseOp {
    fn output_facts(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact(&*self.output_shape)))
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let m = self.output_shape.iter().product::<usize>() / self.n.max(1);
        Ok(tvec!((Cost::FMA(f32::datum_type()), (m * self.k * self.n).into())))
    }

    as_op!();
}

/// Replaces every product [`PointwiseOp`] takes, with its bias, residual and clamp, by one
/// running on `kernel_impl`. Returns how many were replaced. Run on the decluttered model,
/// before `into_optimized`.
pub(crate) fn replace_pointwise(model: &mut TypedModel, kernel_impl: Kernel) -> TractResult<usize> {
    let mut replaced = 0;
    for id in model.eval_order()? {
        let node = model.node(id);
        let Some(einsum) = node.op_as::<EinSum>() else { continue };
        if einsum.q_params.is_some() || einsum.operating_dt != f32::datum_type() || node.inputs.len() != 2 {
            continue;
        }
        let expr = einsum.axes.to_string();
        let Some((ins, out)) = expr.split_once("->") else { continue };
        let Some((a_axes, w_axes)) = ins.split_once(',') else { continue };
        // `[..., I] × [O, I] → [..., O]`, where a unit batch axis may come or go.
        let strip = |s: &str, last: char| s.strip_suffix(last).map(|s| s.trim_start_matches('N').to_string());
        if w_axes != "OI" || strip(a_axes, 'I').is_none() || strip(a_axes, 'I') != strip(out, 'O') {
            continue;
        }
        let a_fact = model.outlet_fact(node.inputs[0])?;
        let Some(weights) = model.outlet_fact(node.inputs[1])?.konst.clone() else { continue };
        let Some(out_shape) = node.outputs[0].fact.shape.as_concrete().map(TVec::from) else { continue };
        if a_fact.datum_type != f32::datum_type() || weights.datum_type() != f32::datum_type() || weights.rank() != 2 {
            continue;
        }
        let (n, k) = (weights.shape()[0], weights.shape()[1]);
        let Some(a_shape) = a_fact.shape.as_concrete() else { continue };
        // The same rows on both sides: a batch axis dropped from the output must have size one
        // (otherwise the product would sum over it).
        let rows_match = a_shape.iter().product::<usize>() / k.max(1) == out_shape.iter().product::<usize>() / n.max(1);
        if a_shape.last() != Some(&k) || out_shape.last() != Some(&n) || !rows_match || !takes(k, n) {
            continue;
        }
        // The bias: an `Add` of a constant with n values (or one).
        let Some((add_id, bias)) = binary_successor(model, OutletId::new(id, 0), "Add")? else { continue };
        let Some(bias) = model.outlet_fact(bias)?.konst.as_ref().and_then(|b| bias_values(b, n)) else { continue };
        if model.outlet_fact(OutletId::new(add_id, 0))?.shape.as_concrete() != Some(&out_shape[..]) {
            continue;
        }
        // Then maybe a residual: an `Add` of a computed tensor of the output's shape.
        let mut last = OutletId::new(add_id, 0);
        let mut residual = None;
        if let Some((res_id, other)) = binary_successor(model, last, "Add")? {
            let other_fact = model.outlet_fact(other)?;
            if other_fact.konst.is_none()
                && other_fact.datum_type == f32::datum_type()
                && other_fact.shape.as_concrete().map(|s| s.iter().product::<usize>()) == Some(out_shape.iter().product())
                && model.outlet_fact(OutletId::new(res_id, 0))?.shape.as_concrete() == Some(&out_shape[..])
            {
                residual = Some(other);
                last = OutletId::new(res_id, 0);
            }
        }
        let (last, clamp) = absorb_clamp(model, last.node)?;
        let op = PointwiseOp {
            k,
            n,
            output_shape: out_shape,
            packed: Arc::new(tensor1(&pack(f32s(&weights)?, k, n))),
            bias: Arc::new(tensor1(&bias)),
            residual: residual.is_some(),
            clamp,
            kernel_impl,
        };
        let inputs: TVec<OutletId> = std::iter::once(node.inputs[0]).chain(residual).collect();
        swap_in(model, id, &inputs, last, op, "tonus_pointwise")?;
        replaced += 1;
    }
    model.compact()?;
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::dwconv::tests::{clamps, eighths, noise};

    /// The textbook product, for comparison.
    fn reference(d: &Dims, a: &[f32], w: &[f32], bias: &[f32], residual: Option<&[f32]>, clamp: Clamp) -> Vec<f32> {
        let mut out = vec![0.0; d.m * d.n];
        for m in 0..d.m {
            for o in 0..d.n {
                let mut acc = bias[o] as f64;
                for kk in 0..d.k {
                    acc += (a[m * d.k + kk] * w[o * d.k + kk]) as f64;
                }
                let v = acc as f32 + residual.map_or(0.0, |r| r[m * d.n + o]);
                out[m * d.n + o] = v.max(clamp.lo()).min(clamp.hi());
            }
        }
        out
    }

    /// (m, k, n): rows not multiples of 4 or 6, one and two panels, long and short products.
    const SHAPES: [(usize, usize, usize); 7] =
        [(37, 16, 64), (6, 24, 8), (5, 3, 16), (13, 40, 24), (1, 64, 40), (100, 24, 144), (15, 1152, 56)];

    #[test]
    fn matches_the_definition() {
        for (t, &(m, k, n)) in SHAPES.iter().enumerate() {
            let d = Dims { m, k, n };
            let a = noise(m * k, t as u32 + 1);
            let w = noise(n * k, t as u32 + 10);
            let bias = noise(n, t as u32 + 20);
            let res = noise(m * n, t as u32 + 30);
            let packed = pack(&w, k, n);
            for residual in [None, Some(&res[..])] {
                for clamp in [Clamp::NONE, Clamp::new(0.0, 6.0)] {
                    let want = reference(&d, &a, &w, &bias, residual, clamp);
                    for kernel_impl in Kernel::all() {
                        let got = kernel_impl.pointwise(&d, &a, &packed, &bias, residual, clamp);
                        assert_eq!(got.len(), want.len());
                        for (i, (x, y)) in got.iter().zip(&want).enumerate() {
                            assert!((x - y).abs() < 1e-4, "{kernel_impl} {m}x{k}x{n} value {i}: {x} vs {y}");
                        }
                    }
                }
            }
        }
    }

    /// Any product the op takes: up to 40 rows, short inner dimensions and long ones (which
    /// split the panels into several groups), one to twelve panels.
    fn products() -> impl Strategy<Value = Dims> {
        (1usize..=40, prop_oneof![3 => 1usize..=64, 1 => 500usize..=1500], 1usize..=12).prop_map(|(m, k, panels)| Dims {
            m,
            k,
            n: panels * PANEL,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every kernel equals the textbook product, exactly, on generated shapes (and, in
        /// tests, `simd.rs` checks that it wrote every output element).
        #[test]
        fn every_kernel_matches_the_definition(d in products(), residual in any::<bool>(), clamp in clamps(), seed in any::<u32>()) {
            let a = eighths(d.m * d.k, seed);
            let w = eighths(d.n * d.k, seed ^ 1);
            let bias = eighths(d.n, seed ^ 2);
            let res = eighths(d.m * d.n, seed ^ 3);
            let residual = residual.then_some(&res[..]);
            let want = reference(&d, &a, &w, &bias, residual, clamp);
            let packed = pack(&w, d.k, d.n);
            for kernel_impl in Kernel::all() {
                let got = kernel_impl.pointwise(&d, &a, &packed, &bias, residual, clamp);
                prop_assert_eq!(&got, &want, "{} on {:?}", kernel_impl, d);
            }
        }
    }

    #[test]
    fn takes_short_products_only() {
        assert!(takes(16, 64) && takes(24, 144) && takes(40, 240));
        assert!(!takes(24, 39), "a partial panel");
        assert!(takes(1152, 192));
        assert_eq!(panel_group(1152), 6);
        assert_eq!(panel_group(16), 512);
    }
}
