//! The one place this crate uses `unsafe`: the depthwise convolution's inner kernel for CPUs with
//! AVX2 and FMA, chosen at run time. Everything else about the convolution (borders, the row
//! walk, the portable kernel) is safe code in `dwconv.rs`; this module holds only the interior
//! pixels' loop, written with intrinsics and raw pointers because the safe version spends most
//! of its time on bounds checks and spilled indices (measured: 16 GFLOP/s against ~40 here).
//!
//! Soundness rests on two things, each checked where it is relied on: an [`Avx2Fma`] value
//! exists only after the CPU was seen to support both features, and every pointer offset the
//! kernel forms is bounded by the `assert!`s at the top of [`interior_avx2`]. Tested against the
//! portable kernel and the textbook definition in `dwconv.rs`.
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::mem::MaybeUninit;

use crate::dwconv::{Clamp, Geometry, Interior, Portable, depthwise_with};
use crate::pointwise::{Dims, pointwise_with};
use crate::stem::{StemGeometry, stem_with};

/// Runs the depthwise convolution over every image in `input` (whole images of
/// `g.input_len()` values) with the fastest kernel this CPU supports, into a fresh buffer.
pub(crate) fn depthwise_images(g: &Geometry, input: &[f32], kernel: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = Avx2Fma::detect() {
        return depthwise_images_with(&k, g, input, kernel, bias, clamp);
    }
    depthwise_images_with(&Portable::<false>, g, input, kernel, bias, clamp)
}

/// [`depthwise_images`] with a given interior kernel. The output buffer is not zeroed first:
/// on the BlazePose models that zeroing alone cost about 0.8 ms a model.
pub(crate) fn depthwise_images_with<I: Interior + OneImage>(
    kernel_impl: &I,
    g: &Geometry,
    input: &[f32],
    kernel: &[f32],
    bias: &[f32],
    clamp: Clamp,
) -> Vec<f32> {
    // `depthwise_with` writes every element of the output it is given (see its documentation;
    // `tests::every_output_is_written` checks it on awkward shapes).
    fill_images(g.input_len(), g.output_len(), input, |src, dst| kernel_impl.one_image(g, src, kernel, bias, clamp, dst))
}

/// Runs the stem convolution over every image in `input` with the fastest kernel this CPU
/// supports, into a fresh buffer.
pub(crate) fn stem_images(s: &StemGeometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = Avx2Fma::detect() {
        // `stem_with` writes every element of the output it is given (see its documentation;
        // `tests::every_stem_output_is_written`).
        return fill_images(s.input_len(), s.output_len(), input, |src, dst| {
            // SAFETY: `k` exists, so the CPU supports AVX2 and FMA, all that this requires.
            unsafe { x86::stem_avx2_fma(&k, s, src, weights, bias, clamp, dst) }
        });
    }
    stem_images_portable(s, input, weights, bias, clamp)
}

/// [`stem_images`] compiled for the baseline target.
pub(crate) fn stem_images_portable(s: &StemGeometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
    fill_images(s.input_len(), s.output_len(), input, |src, dst| stem_with::<false>(s, src, weights, bias, clamp, dst))
}

/// The pointwise convolution with the fastest kernel this CPU supports, into a fresh buffer.
pub(crate) fn pointwise(d: &Dims, a: &[f32], packed: &[f32], bias: &[f32], residual: Option<&[f32]>, clamp: Clamp) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = Avx2Fma::detect() {
        // `pointwise_avx2` writes every element of the output it is given (see its
        // documentation; `tests::every_pointwise_output_is_written`).
        return fill_images(d.m * d.k, d.m * d.n, a, |src, dst| {
            // SAFETY: `k` exists, so the CPU supports AVX2 and FMA, all that this requires.
            unsafe { x86::pointwise_avx2(&k, d, src, packed, bias, residual, clamp, dst) }
        });
    }
    pointwise_portable(d, a, packed, bias, residual, clamp)
}

/// [`pointwise`] compiled for the baseline target.
pub(crate) fn pointwise_portable(d: &Dims, a: &[f32], packed: &[f32], bias: &[f32], residual: Option<&[f32]>, clamp: Clamp) -> Vec<f32> {
    // `pointwise_with` writes every element of the output it is given (see its documentation).
    fill_images(d.m * d.k, d.m * d.n, a, |src, dst| pointwise_with::<false>(d, src, packed, bias, residual, clamp, dst))
}

/// A fresh buffer for `input.len() / per_in` images of `per_out` values, filled image by image
/// by `fill`, which must write every element of the slice it is given. Not zeroing the buffer
/// first is the point.
fn fill_images(per_in: usize, per_out: usize, input: &[f32], mut fill: impl FnMut(&[f32], &mut [MaybeUninit<f32>])) -> Vec<f32> {
    if per_in == 0 || per_out == 0 {
        return Vec::new();
    }
    let images = input.len() / per_in;
    let n = images * per_out;
    let mut out: Vec<f32> = Vec::with_capacity(n);
    for (src, dst) in input.chunks_exact(per_in).zip(out.spare_capacity_mut()[..n].chunks_exact_mut(per_out)) {
        fill(src, dst);
    }
    // SAFETY: the capacity is at least `n`, and every one of the first `n` elements was written:
    // the chunks above cover `0..n` exactly (`images` whole images of `per_out`), and `fill`
    // writes every element of each chunk (the callers above name the function that guarantees
    // it and the test that checks it).
    unsafe { out.set_len(n) };
    out
}

/// One image through [`depthwise_with`], compiled for the kernel's instruction set.
pub(crate) trait OneImage {
    fn one_image(&self, g: &Geometry, input: &[f32], kernel: &[f32], bias: &[f32], clamp: Clamp, out: &mut [MaybeUninit<f32>]);
}

impl<const FMA: bool> OneImage for Portable<FMA> {
    fn one_image(&self, g: &Geometry, input: &[f32], kernel: &[f32], bias: &[f32], clamp: Clamp, out: &mut [MaybeUninit<f32>]) {
        depthwise_with(self, g, input, kernel, bias, clamp, out);
    }
}

#[cfg(target_arch = "x86_64")]
impl OneImage for Avx2Fma {
    fn one_image(&self, g: &Geometry, input: &[f32], kernel: &[f32], bias: &[f32], clamp: Clamp, out: &mut [MaybeUninit<f32>]) {
        // SAFETY: `self` exists, so the CPU supports AVX2 and FMA, all that this requires.
        unsafe { x86::depthwise_avx2_fma(self, g, input, kernel, bias, clamp, out) };
    }
}

/// Proof that the CPU executes AVX2 and FMA instructions: only [`Avx2Fma::detect`] makes one.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx2Fma {
    _private: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2Fma {
    fn detect() -> Option<Avx2Fma> {
        #[cfg(test)]
        if FORCE_PORTABLE.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        (std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")).then_some(Avx2Fma { _private: () })
    }
}

/// Tests set this to run the portable kernels on a CPU that has AVX2 and FMA.
#[cfg(test)]
pub(crate) static FORCE_PORTABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::mem::MaybeUninit;

    use super::Avx2Fma;
    use crate::dwconv::{Clamp, Geometry, Interior, Steps, depthwise_with};
    use crate::pointwise::{Dims, PANEL};
    use crate::stem::{StemGeometry, stem_with};

    /// The whole convolution compiled for AVX2/FMA, so the edge pixels' safe code uses them too.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn depthwise_avx2_fma(
        k: &Avx2Fma,
        g: &Geometry,
        input: &[f32],
        kernel: &[f32],
        bias: &[f32],
        clamp: Clamp,
        out: &mut [MaybeUninit<f32>],
    ) {
        depthwise_with(k, g, input, kernel, bias, clamp, out);
    }

    impl Interior for Avx2Fma {
        const FMA: bool = true;

        #[inline(always)]
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
            out: &mut [MaybeUninit<f32>],
        ) {
            // SAFETY: `self` exists only on a CPU with AVX2 and FMA (see `Avx2Fma::detect`).
            unsafe { interior_avx2::<K>(input, kernel, bias, steps, base, count, chans, bounds, out) }
        }
    }

    /// The pointwise convolution: output channels in groups whose weights fit in L2, and within
    /// a group rows in blocks of six and output channels in blocks of sixteen (two weight
    /// panels), the remainders in smaller tiles. Writes every element of `out[..m * n]`: each
    /// block of rows covers every panel of every group.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn pointwise_avx2(
        proof: &Avx2Fma,
        d: &Dims,
        a: &[f32],
        packed: &[f32],
        bias: &[f32],
        residual: Option<&[f32]>,
        clamp: Clamp,
        out: &mut [MaybeUninit<f32>],
    ) {
        let Dims { m, k, n } = *d;
        // These bound every offset `pointwise_tile` forms (see its safety section).
        assert!(n.is_multiple_of(PANEL) && k > 0, "pointwise shape {m}x{k}x{n}");
        assert!(a.len() >= m * k && packed.len() >= k * n && bias.len() >= n && out.len() >= m * n, "pointwise buffers too short");
        assert!(residual.is_none_or(|r| r.len() >= m * n), "pointwise residual too short");
        let ptrs = GemmPtrs {
            a: a.as_ptr(),
            packed: packed.as_ptr(),
            bias: bias.as_ptr(),
            residual: residual.map(<[f32]>::as_ptr),
            out: out.as_mut_ptr().cast::<f32>(),
        };
        let panels = n / PANEL;
        // Panels in groups whose weights stay in L2 while every row block passes over them.
        let group = crate::pointwise::panel_group(k);
        for g0 in (0..panels).step_by(group) {
            let g1 = (g0 + group).min(panels);
            let mut m0 = 0;
            while m0 < m {
                let rows = (m - m0).min(6);
                let mut j = g0;
                while j < g1 {
                    let two = j + 2 <= g1;
                    macro_rules! tile {
                        ($r:literal) => {
                            if two {
                                // SAFETY: rows m0..m0 + $r < m and panels j, j + 1 < n / 8 are within
                                // the asserted extents; `proof` shows the CPU has AVX2 and FMA.
                                unsafe { pointwise_tile::<$r, 2>(proof, &ptrs, d, m0, j, clamp) }
                            } else {
                                // SAFETY: as above, for panel j alone.
                                unsafe { pointwise_tile::<$r, 1>(proof, &ptrs, d, m0, j, clamp) }
                            }
                        };
                    }
                    match rows {
                        6 => tile!(6),
                        5 => tile!(5),
                        4 => tile!(4),
                        3 => tile!(3),
                        2 => tile!(2),
                        _ => tile!(1),
                    }
                    j += if two { 2 } else { 1 };
                }
                m0 += rows;
            }
        }
    }

    struct GemmPtrs {
        a: *const f32,
        packed: *const f32,
        bias: *const f32,
        residual: Option<*const f32>,
        out: *mut f32,
    }

    /// Rows `m0..m0 + R`, output channels `8j..8(j + P)`: accumulators start at the bias, take
    /// the whole inner dimension (one weight load per panel, one broadcast per row), add the
    /// residual, are clamped and stored.
    ///
    /// # Safety
    /// The CPU supports AVX2 and FMA; `m0 + R <= m`, `j + P <= n / 8`, and the buffers behind
    /// `p` hold at least `m·k` (a), `k·n` (packed), `n` (bias) and `m·n` (residual, out) values.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn pointwise_tile<const R: usize, const P: usize>(_proof: &Avx2Fma, p: &GemmPtrs, d: &Dims, m0: usize, j: usize, clamp: Clamp) {
        let Dims { k, n, .. } = *d;
        // SAFETY: every offset below is within the extents the caller guarantees.
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); P]; R];
            for q in 0..P {
                let b = _mm256_loadu_ps(p.bias.add((j + q) * PANEL));
                for row in acc.iter_mut() {
                    row[q] = b;
                }
            }
            let w: [*const f32; P] = std::array::from_fn(|q| p.packed.add((j + q) * k * PANEL));
            let rows: [*const f32; R] = std::array::from_fn(|r| p.a.add((m0 + r) * k));
            for kk in 0..k {
                let wv: [__m256; P] = std::array::from_fn(|q| _mm256_loadu_ps(w[q].add(kk * PANEL)));
                for (r, row) in acc.iter_mut().enumerate() {
                    let x = _mm256_set1_ps(*rows[r].add(kk));
                    for q in 0..P {
                        row[q] = _mm256_fmadd_ps(x, wv[q], row[q]);
                    }
                }
            }
            let (lo, hi) = (_mm256_set1_ps(clamp.lo()), _mm256_set1_ps(clamp.hi()));
            for (r, row) in acc.iter().enumerate() {
                for (q, &v) in row.iter().enumerate() {
                    let at = (m0 + r) * n + (j + q) * PANEL;
                    let v = match p.residual {
                        Some(res) => _mm256_add_ps(v, _mm256_loadu_ps(res.add(at))),
                        None => v,
                    };
                    _mm256_storeu_ps(p.out.add(at), _mm256_min_ps(_mm256_max_ps(v, lo), hi));
                }
            }
        }
    }

    /// The stem convolution compiled for AVX2/FMA (safe code; the compiler vectorises it).
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn stem_avx2_fma(
        _proof: &Avx2Fma,
        s: &StemGeometry,
        input: &[f32],
        weights: &[f32],
        bias: &[f32],
        clamp: Clamp,
        out: &mut [MaybeUninit<f32>],
    ) {
        stem_with::<true>(s, input, weights, bias, clamp, out);
    }

    /// `count` interior output pixels of one row, channels `c0..c1`: the taps of pixel `p`
    /// start at `input[base + p * pixel_step]`, its outputs at `out[p * C]`.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    fn interior_avx2<const K: usize>(
        input: &[f32],
        kernel: &[f32],
        bias: &[f32],
        (row_stride, pixel_step, ch): Steps,
        base: usize,
        count: usize,
        (c0, c1): (usize, usize),
        (lo, hi): (f32, f32),
        out: &mut [MaybeUninit<f32>],
    ) {
        assert!(c0 <= c1 && c1 <= ch, "depthwise channels {c0}..{c1} of {ch}");
        if count == 0 {
            return;
        }
        // Every offset formed below is at most the last tap of the last pixel plus one
        // channel vector, so these checks bound every load and store.
        let last_tap = base + (count - 1) * pixel_step + (K - 1) * row_stride + (K - 1) * ch;
        assert!(last_tap + ch <= input.len(), "depthwise input too short");
        assert!(count * ch <= out.len(), "depthwise output too short");
        assert!(K * K * ch <= kernel.len() && ch <= bias.len(), "depthwise weights too short");
        let (vlo, vhi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        let ptrs = Ptrs { input: input.as_ptr(), kernel: kernel.as_ptr(), bias: bias.as_ptr(), out: out.as_mut_ptr().cast::<f32>() };
        let mut px = 0;
        while px < count {
            let pixels = if px + 4 <= count { 4 } else { 1 };
            let (mut c, i0, o0) = (c0, base + px * pixel_step, px * ch);
            // Whole channel vectors, 16 then 8 at a time; the rest one by one.
            while c + 16 <= c1 {
                // SAFETY: pixels px..px + pixels and channels c..c + 16 are inside the asserted
                // extents, as are their K×K taps.
                unsafe {
                    if pixels == 4 {
                        block::<K, 4, 2>(&ptrs, i0 + c, c, o0 + c, (row_stride, pixel_step, ch), vlo, vhi)
                    } else {
                        block::<K, 1, 2>(&ptrs, i0 + c, c, o0 + c, (row_stride, pixel_step, ch), vlo, vhi)
                    }
                }
                c += 16;
            }
            while c + 8 <= c1 {
                // SAFETY: as above, for channels c..c + 8.
                unsafe {
                    if pixels == 4 {
                        block::<K, 4, 1>(&ptrs, i0 + c, c, o0 + c, (row_stride, pixel_step, ch), vlo, vhi)
                    } else {
                        block::<K, 1, 1>(&ptrs, i0 + c, c, o0 + c, (row_stride, pixel_step, ch), vlo, vhi)
                    }
                }
                c += 8;
            }
            for c in c..c1 {
                for p in 0..pixels {
                    let mut acc = bias[c];
                    for ky in 0..K {
                        for kx in 0..K {
                            let x = input[i0 + p * pixel_step + ky * row_stride + kx * ch + c];
                            acc = kernel[(ky * K + kx) * ch + c].mul_add(x, acc);
                        }
                    }
                    out[o0 + p * ch + c].write(acc.max(lo).min(hi));
                }
            }
            px += pixels;
        }
    }

    struct Ptrs {
        input: *const f32,
        kernel: *const f32,
        bias: *const f32,
        out: *mut f32,
    }

    /// `P` pixels × `8 R` channels: accumulators start at the bias, take every tap, are
    /// clamped and stored.
    ///
    /// # Safety
    /// The CPU supports AVX2 and FMA; `input[i + p * pixel_step + ky * row_stride + kx * ch ..][..8 R]`,
    /// `kernel[c + (ky * K + kx) * ch ..][..8 R]`, `bias[c..][..8 R]` and
    /// `out[o + p * ch ..][..8 R]` are in bounds for every `p < P`, `ky, kx < K`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block<const K: usize, const P: usize, const R: usize>(
        ptrs: &Ptrs,
        i: usize,
        c: usize,
        o: usize,
        (row_stride, pixel_step, ch): Steps,
        lo: __m256,
        hi: __m256,
    ) {
        // SAFETY: every offset is within the extents the caller guarantees.
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); R]; P];
            for r in 0..R {
                let b = _mm256_loadu_ps(ptrs.bias.add(c + 8 * r));
                for a in acc.iter_mut() {
                    a[r] = b;
                }
            }
            for ky in 0..K {
                for kx in 0..K {
                    let tap = ptrs.input.add(i + ky * row_stride + kx * ch);
                    let w = ptrs.kernel.add(c + (ky * K + kx) * ch);
                    for r in 0..R {
                        let k = _mm256_loadu_ps(w.add(8 * r));
                        for (p, a) in acc.iter_mut().enumerate() {
                            a[r] = _mm256_fmadd_ps(k, _mm256_loadu_ps(tap.add(p * pixel_step + 8 * r)), a[r]);
                        }
                    }
                }
            }
            for (p, a) in acc.iter().enumerate() {
                for (r, &v) in a.iter().enumerate() {
                    _mm256_storeu_ps(ptrs.out.add(o + p * ch + 8 * r), _mm256_min_ps(_mm256_max_ps(v, lo), hi));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dwconv::tests::{geometry, noise};

    /// `depthwise_with` writes every output element, with either interior kernel, on shapes
    /// with borders on every side, interior runs that are not multiples of four, channel counts
    /// that are not multiples of eight, strides of two, and images too small for any interior.
    #[test]
    fn every_output_is_written() {
        for (h, w, c, k, s, p) in [
            (9, 7, 24, 3, 1, 1),
            (8, 8, 40, 5, 2, 2),
            (5, 6, 3, 3, 2, 1),
            (7, 11, 17, 5, 1, 2),
            (1, 1, 8, 3, 1, 1),
            (2, 3, 9, 5, 1, 2),
            (9, 11, 150, 5, 1, 2),
        ] {
            let g = geometry(h, w, c, k, s, p);
            let (input, kernel, bias) = (noise(h * w * c, 1), noise(k * k * c, 2), noise(c, 3));
            let (input, kernel, bias) = (&input, &kernel, &bias);
            type Run<'a> = Box<dyn Fn(&mut [MaybeUninit<f32>]) + 'a>;
            let mut runs: Vec<Run> = Vec::new();
            runs.push(Box::new(|out| depthwise_with(&Portable::<false>, &g, input, kernel, bias, Clamp::new(0.0, 6.0), out)));
            #[cfg(target_arch = "x86_64")]
            if let Some(avx) = Avx2Fma::detect() {
                runs.push(Box::new(move |out| avx.one_image(&g, input, kernel, bias, Clamp::new(0.0, 6.0), out)));
            }
            for run in &runs {
                let mut out = vec![MaybeUninit::new(f32::NAN); g.out_h * g.out_w * c];
                run(&mut out);
                // SAFETY: every element was initialised (to NaN) before the run.
                let values: Vec<f32> = out.iter().map(|v| unsafe { v.assume_init() }).collect();
                assert!(values.iter().all(|v| !v.is_nan()), "{h}x{w}x{c} k{k} s{s}: an output was not written");
            }
        }
    }

    /// `stem_with` writes every output element, with and without FMA, on every test shape
    /// (borders on all sides, rows whose interior is not a multiple of four, a 1×2 image).
    #[test]
    fn every_stem_output_is_written() {
        for shape in crate::stem::tests::SHAPES {
            let s = crate::stem::tests::geometry(shape);
            let (cin, cout, k) = (shape.2, shape.3, shape.4);
            let (input, weights, bias) = (noise(s.input_len(), 4), noise(k * k * cin * cout, 5), noise(cout, 6));
            for fma in [false, true] {
                if fma && !cfg!(target_arch = "x86_64") {
                    continue;
                }
                let mut out = vec![MaybeUninit::new(f32::NAN); s.output_len()];
                // Plain Rust `mul_add` is correct (if slow) without the FMA instruction.
                if fma {
                    stem_with::<true>(&s, &input, &weights, &bias, Clamp::new(0.0, 6.0), &mut out);
                } else {
                    stem_with::<false>(&s, &input, &weights, &bias, Clamp::new(0.0, 6.0), &mut out);
                }
                // SAFETY: every element was initialised (to NaN) before the run.
                let values: Vec<f32> = out.iter().map(|v| unsafe { v.assume_init() }).collect();
                assert!(values.iter().all(|v| !v.is_nan()), "{shape:?}: an output was not written");
            }
        }
    }

    /// Both pointwise kernels write every output element, on the test shapes (rows that are
    /// not multiples of six or four, one and two panels).
    #[test]
    fn every_pointwise_output_is_written() {
        for (m, k, n) in crate::pointwise::tests::SHAPES {
            let d = Dims { m, k, n };
            let (a, packed, bias) = (noise(m * k, 7), noise(k * n, 8), noise(n, 9));
            let (a, packed, bias) = (&a, &packed, &bias);
            type Run<'a> = Box<dyn Fn(&mut [MaybeUninit<f32>]) + 'a>;
            let mut runs: Vec<Run> = vec![Box::new(|out| pointwise_with::<false>(&d, a, packed, bias, None, Clamp::NONE, out))];
            #[cfg(target_arch = "x86_64")]
            if let Some(avx) = Avx2Fma::detect() {
                // SAFETY: `avx` exists, so the CPU supports AVX2 and FMA.
                runs.push(Box::new(move |out| unsafe { x86::pointwise_avx2(&avx, &d, a, packed, bias, None, Clamp::NONE, out) }));
            }
            for run in &runs {
                let mut out = vec![MaybeUninit::new(f32::NAN); m * n];
                run(&mut out);
                // SAFETY: every element was initialised (to NaN) before the run.
                let values: Vec<f32> = out.iter().map(|v| unsafe { v.assume_init() }).collect();
                assert!(values.iter().all(|v| !v.is_nan()), "{m}x{k}x{n}: an output was not written");
            }
        }
    }
}
