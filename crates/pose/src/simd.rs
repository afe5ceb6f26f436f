//! The one place this crate uses `unsafe`: the convolutions' kernels for CPUs with AVX2 and FMA
//! and for WebAssembly's SIMD128, and the fresh, unzeroed output buffers every kernel fills. Everything else about the
//! convolutions (borders, the row walk, the portable kernels) is safe code in `dwconv.rs`,
//! `pointwise.rs` and `stem.rs`; this module holds the depthwise interior pixels' loop and the
//! matrix product's tiles, written with intrinsics and raw pointers because the safe versions
//! spend most of their time on bounds checks and spilled indices (measured: 16 GFLOP/s against
//! ~40 here).
//!
//! Which kernel runs is a [`Kernel`] value, passed explicitly: `models.rs` detects the best one
//! when it builds a model's plan ([`Kernel::detect`]) and every op keeps it; tests run every
//! kernel the CPU has (`Kernel::all`), so no global state decides what they test.
//!
//! Soundness rests on two things, both established in this module:
//!
//! - A [`Kernel::Avx2Fma`] holds an [`Avx2Fma`] token, which only [`Avx2Fma::detect`] makes,
//!   after seeing the CPU support both features; every pointer offset the intrinsics form is
//!   bounded by the `assert!`s at the top of `x86::pointwise_avx2` and `x86::interior_avx2`.
//! - [`fill_images`] hands the kernels the spare capacity of a fresh `Vec` as [`Slot`]s, which
//!   they can set but not read or de-initialise, and then sets the length. In debug builds and
//!   tests it first fills the buffer with the NaN [`UNWRITTEN`] and afterwards panics, naming
//!   the op, its shape, the kernel and the element, if any element still holds it: there the
//!   buffer is initialised whatever the kernels do, and a kernel that misses an element fails
//!   loudly. Release builds skip both passes and rely on what the check establishes. Which
//!   elements a kernel sets depends on the shape and the kernel alone, never on the values, and
//!   the check runs every kernel on every shape of the embedded models
//!   (`models::tests::own_convolutions_match_tract`; the golden tests for the detected kernel)
//!   and on generated shapes (the `proptest`s in `dwconv.rs`, `pointwise.rs` and `stem.rs`,
//!   which also compare the values with the textbook definitions).
//!
//! Zeroed buffers would make the second point hold by construction, but they cost 3–4 %
//! (`cargo run --release -p tonus-pose --example op_profile -- MODEL 50`, sum of node
//! medians, median of 11–15 alternating rounds on the project's 2-core machine): full
//! 11.84 → 12.24 ms, lite 6.05 → 6.31 ms, detector 12.37 → 12.78 ms. The debug fill and check
//! cost more still (about 40 % of the full model), hence debug builds and tests only.
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::fmt;
use std::mem::MaybeUninit;

use crate::dwconv::{Clamp, Geometry, Portable, depthwise_with};
use crate::pointwise::{Dims, pointwise_with};
use crate::stem::{StemGeometry, stem_with};

/// The implementation of the convolutions to run. Chosen once per model where it is built and
/// kept in each op; tests construct each one themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    /// Safe Rust compiled for the baseline target (SSE2 on x86-64): runs on every CPU.
    Portable,
    /// Intrinsics, and the safe code compiled for AVX2 and FMA; the token proves the CPU has
    /// both.
    #[cfg(target_arch = "x86_64")]
    Avx2Fma(Avx2Fma),
    /// WebAssembly SIMD128 intrinsics, in a build compiled with it (`cargo xtask wasm` turns it
    /// on): chosen when the module is built, since a wasm module cannot test the CPU.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(_) => "avx2+fma",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => "simd128",
        })
    }
}

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub(crate) fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if let Some(k) = Avx2Fma::detect() {
            return Kernel::Avx2Fma(k);
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return Kernel::Simd128;
        #[allow(unreachable_code)]
        Kernel::Portable
    }

    /// Every kernel this CPU supports, the portable one first: what the tests compare.
    #[cfg(test)]
    pub(crate) fn all() -> Vec<Kernel> {
        let best = Kernel::detect();
        std::iter::once(Kernel::Portable).chain((best != Kernel::Portable).then_some(best)).collect()
    }

    /// The depthwise convolution of every image in `input` (whole images of `g.input_len()`
    /// values), into a fresh buffer.
    pub(crate) fn depthwise(self, g: &Geometry, input: &[f32], kernel: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
        let op = format_args!("depthwise {g} → {}x{} ({self})", g.out_h, g.out_w);
        match self {
            Kernel::Portable => fill_images(op, g.input_len(), g.output_len(), input, |src, dst| {
                depthwise_with(&Portable::<false>, g, src, kernel, bias, clamp, dst)
            }),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(k) => fill_images(op, g.input_len(), g.output_len(), input, |src, dst| {
                // SAFETY: `k` exists, so the CPU supports AVX2 and FMA, all that this requires.
                unsafe { x86::depthwise_avx2_fma(&k, g, src, kernel, bias, clamp, dst) }
            }),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => fill_images(op, g.input_len(), g.output_len(), input, |src, dst| {
                depthwise_with(&wasm128::Simd128, g, src, kernel, bias, clamp, dst)
            }),
        }
    }

    /// The stem convolution of every image in `input`, into a fresh buffer.
    pub(crate) fn stem(self, s: &StemGeometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: Clamp) -> Vec<f32> {
        let op = format_args!("stem {} → {}x{}x{} ({self})", s.g, s.g.out_h, s.g.out_w, s.out_channels);
        match self {
            Kernel::Portable => {
                fill_images(op, s.input_len(), s.output_len(), input, |src, dst| stem_with::<false>(s, src, weights, bias, clamp, dst))
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(k) => fill_images(op, s.input_len(), s.output_len(), input, |src, dst| {
                // SAFETY: `k` exists, so the CPU supports AVX2 and FMA, all that this requires.
                unsafe { x86::stem_avx2_fma(&k, s, src, weights, bias, clamp, dst) }
            }),
            // The portable stem, which the whole-module SIMD128 feature already vectorises.
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => {
                fill_images(op, s.input_len(), s.output_len(), input, |src, dst| stem_with::<false>(s, src, weights, bias, clamp, dst))
            }
        }
    }

    /// The pointwise convolution (`a` is `m × k`, `packed` the weights in panels, see
    /// `pointwise::pack`), into a fresh buffer.
    pub(crate) fn pointwise(self, d: &Dims, a: &[f32], packed: &[f32], bias: &[f32], residual: Option<&[f32]>, clamp: Clamp) -> Vec<f32> {
        let op = format_args!("pointwise {}x{}x{} ({self})", d.m, d.k, d.n);
        match self {
            Kernel::Portable => {
                fill_images(op, d.m * d.k, d.m * d.n, a, |src, dst| pointwise_with::<false>(d, src, packed, bias, residual, clamp, dst))
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma(k) => fill_images(op, d.m * d.k, d.m * d.n, a, |src, dst| {
                // SAFETY: `k` exists, so the CPU supports AVX2 and FMA, all that this requires.
                unsafe { x86::pointwise_avx2(&k, d, src, packed, bias, residual, clamp, dst) }
            }),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => {
                fill_images(op, d.m * d.k, d.m * d.n, a, |src, dst| wasm128::pointwise(d, src, packed, bias, residual, clamp, dst))
            }
        }
    }
}

/// Whether [`fill_images`] checks that every element was written: in debug builds and tests.
const CHECK_WRITES: bool = cfg!(any(debug_assertions, test));

/// What [`fill_images`] fills a fresh buffer with when it checks the writes: a NaN, which no
/// kernel stores (each clamps its results with `max` and `min`, which return the bound, not
/// NaN). An element still holding it was never written. (Were a kernel to store it, the check
/// would panic needlessly; it could not make the buffer unsound.)
const UNWRITTEN: u32 = 0x7fc0_dead;

/// A fresh buffer for `input.len() / per_in` images of `per_out` values, filled image by image
/// by `fill`, which must write every [`Slot`] it is given. `op` names the operation, its shape
/// and kernel for the panic when it did not. Not zeroing the buffer first is the point (see the
/// module documentation).
fn fill_images(
    op: fmt::Arguments<'_>,
    per_in: usize,
    per_out: usize,
    input: &[f32],
    mut fill: impl FnMut(&[f32], &mut [Slot]),
) -> Vec<f32> {
    if per_in == 0 || per_out == 0 {
        return Vec::new();
    }
    let images = input.len() / per_in;
    let n = images * per_out;
    let mut out: Vec<f32> = Vec::with_capacity(n);
    let buffer = &mut out.spare_capacity_mut()[..n];
    if CHECK_WRITES {
        buffer.fill(MaybeUninit::new(f32::from_bits(UNWRITTEN)));
    }
    for (src, dst) in input.chunks_exact(per_in).zip(Slot::slots(buffer).chunks_exact_mut(per_out)) {
        fill(src, dst);
    }
    // SAFETY: the capacity is at least `n`, and each of the first `n` elements is initialised.
    // With `CHECK_WRITES` (debug builds, tests) every one was set to `UNWRITTEN` above, and the
    // kernels cannot have de-initialised any (see `Slot`). Without it (release builds), `fill`
    // wrote every one: the chunks cover `0..n` exactly (`images` whole images of `per_out`),
    // and every kernel sets every slot of the chunk it is given, as the check below
    // establishes (see the module documentation).
    unsafe { out.set_len(n) };
    if CHECK_WRITES && let Some(i) = out.iter().position(|v| v.to_bits() == UNWRITTEN) {
        panic!("{op}: output element {} of image {} was never written", i % per_out, i / per_out);
    }
    out
}

/// One element of a fresh output buffer, as the kernels see it: it can be set, and neither
/// read nor de-initialised. It is neither `Clone` nor `Default` and only [`fill_images`] makes
/// slots, so all safe code can do with a `&mut [Slot]` besides [`Slot::set`] is move slots
/// around (`swap`), which initialises and de-initialises nothing. The intrinsics write through
/// `as_mut_ptr().cast::<f32>()`, which the layout allows.
#[repr(transparent)]
pub(crate) struct Slot(MaybeUninit<f32>);

impl Slot {
    #[inline(always)]
    pub(crate) fn set(&mut self, value: f32) {
        self.0.write(value);
    }

    /// `buffer` as slots.
    fn slots(buffer: &mut [MaybeUninit<f32>]) -> &mut [Slot] {
        // SAFETY: `Slot` is a transparent wrapper of `MaybeUninit<f32>`, so the two slices have
        // the same layout and validity; the borrow keeps `buffer`'s lifetime.
        unsafe { &mut *(buffer as *mut [MaybeUninit<f32>] as *mut [Slot]) }
    }
}

/// Proof that the CPU executes AVX2 and FMA instructions: only [`Avx2Fma::detect`] makes one.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Avx2Fma {
    _private: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2Fma {
    fn detect() -> Option<Avx2Fma> {
        (std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")).then_some(Avx2Fma { _private: () })
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Avx2Fma, Slot};
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
        out: &mut [Slot],
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
            out: &mut [Slot],
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
        out: &mut [Slot],
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
                let rows = (m - m0).min(4);
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
        out: &mut [Slot],
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
        out: &mut [Slot],
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
        // From here on `out` is written only through `ptrs.out`.
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
                    // SAFETY: o0 + p * ch + c < (px + pixels) * ch <= count * ch, within the
                    // asserted extent of `out`.
                    unsafe { ptrs.out.add(o0 + p * ch + c).write(acc.max(lo).min(hi)) };
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

/// The SIMD128 kernels of the WebAssembly build: the AVX2 module's depthwise and pointwise
/// loops with four-lane vectors and separate multiply and add (SIMD128 has no fused
/// multiply-add outside the relaxed-SIMD proposal, which Node 20 lacks). The same bounds
/// assertions guard every pointer offset.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm128 {
    use std::arch::wasm32::*;

    use super::Slot;
    use crate::dwconv::{Clamp, Interior, Steps};
    use crate::pointwise::{Dims, PANEL};

    /// The SIMD128 implementation; compiled in only where the build enables SIMD128, so its
    /// existence is the proof.
    pub(super) struct Simd128;

    impl Interior for Simd128 {
        const FMA: bool = false;

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
            out: &mut [Slot],
        ) {
            interior::<K>(input, kernel, bias, steps, base, count, chans, bounds, out);
        }
    }

    #[inline(always)]
    fn clamp(v: v128, lo: v128, hi: v128) -> v128 {
        // pmax/pmin are single instructions on every host (x86 maxps/minps semantics).
        f32x4_pmin(hi, f32x4_pmax(lo, v))
    }

    /// `count` interior output pixels of one row, channels `c0..c1` (see the AVX2 version).
    #[allow(clippy::too_many_arguments)]
    fn interior<const K: usize>(
        input: &[f32],
        kernel: &[f32],
        bias: &[f32],
        (row_stride, pixel_step, ch): Steps,
        base: usize,
        count: usize,
        (c0, c1): (usize, usize),
        (lo, hi): (f32, f32),
        out: &mut [Slot],
    ) {
        assert!(c0 <= c1 && c1 <= ch, "depthwise channels {c0}..{c1} of {ch}");
        if count == 0 {
            return;
        }
        let last_tap = base + (count - 1) * pixel_step + (K - 1) * row_stride + (K - 1) * ch;
        assert!(last_tap + ch <= input.len(), "depthwise input too short");
        assert!(count * ch <= out.len(), "depthwise output too short");
        assert!(K * K * ch <= kernel.len() && ch <= bias.len(), "depthwise weights too short");
        let (vlo, vhi) = (f32x4_splat(lo), f32x4_splat(hi));
        let ptrs = Ptrs { input: input.as_ptr(), kernel: kernel.as_ptr(), bias: bias.as_ptr(), out: out.as_mut_ptr().cast::<f32>() };
        let steps = (row_stride, pixel_step, ch);
        let mut px = 0;
        while px < count {
            let pixels = if px + 4 <= count { 4 } else { 1 };
            let (mut c, i0, o0) = (c0, base + px * pixel_step, px * ch);
            while c + 8 <= c1 {
                // SAFETY: pixels px..px + pixels and channels c..c + 8 are inside the asserted
                // extents, as are their K×K taps.
                unsafe {
                    if pixels == 4 {
                        block::<K, 4, 2>(&ptrs, i0 + c, c, o0 + c, steps, vlo, vhi)
                    } else {
                        block::<K, 1, 2>(&ptrs, i0 + c, c, o0 + c, steps, vlo, vhi)
                    }
                }
                c += 8;
            }
            while c + 4 <= c1 {
                // SAFETY: as above, for channels c..c + 4.
                unsafe {
                    if pixels == 4 {
                        block::<K, 4, 1>(&ptrs, i0 + c, c, o0 + c, steps, vlo, vhi)
                    } else {
                        block::<K, 1, 1>(&ptrs, i0 + c, c, o0 + c, steps, vlo, vhi)
                    }
                }
                c += 4;
            }
            for c in c..c1 {
                for p in 0..pixels {
                    let mut acc = bias[c];
                    for ky in 0..K {
                        for kx in 0..K {
                            acc += kernel[(ky * K + kx) * ch + c] * input[i0 + p * pixel_step + ky * row_stride + kx * ch + c];
                        }
                    }
                    // SAFETY: o0 + p * ch + c < count * ch, within the asserted extent of `out`.
                    unsafe { ptrs.out.add(o0 + p * ch + c).write(acc.max(lo).min(hi)) };
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

    /// `P` pixels × `4 R` channels (see the AVX2 version).
    ///
    /// # Safety
    /// `input[i + p * pixel_step + ky * row_stride + kx * ch ..][..4 R]`,
    /// `kernel[c + (ky * K + kx) * ch ..][..4 R]`, `bias[c..][..4 R]` and
    /// `out[o + p * ch ..][..4 R]` are in bounds for every `p < P`, `ky, kx < K`.
    #[inline(always)]
    unsafe fn block<const K: usize, const P: usize, const R: usize>(
        ptrs: &Ptrs,
        i: usize,
        c: usize,
        o: usize,
        (row_stride, pixel_step, ch): Steps,
        lo: v128,
        hi: v128,
    ) {
        // SAFETY: every offset is within the extents the caller guarantees; wasm loads and
        // stores need no alignment.
        unsafe {
            let mut acc = [[f32x4_splat(0.0); R]; P];
            for r in 0..R {
                let b = v128_load(ptrs.bias.add(c + 4 * r).cast::<v128>());
                for a in acc.iter_mut() {
                    a[r] = b;
                }
            }
            for ky in 0..K {
                for kx in 0..K {
                    let tap = ptrs.input.add(i + ky * row_stride + kx * ch);
                    let w = ptrs.kernel.add(c + (ky * K + kx) * ch);
                    for r in 0..R {
                        let k = v128_load(w.add(4 * r).cast::<v128>());
                        for (p, a) in acc.iter_mut().enumerate() {
                            a[r] = f32x4_add(a[r], f32x4_mul(k, v128_load(tap.add(p * pixel_step + 4 * r).cast::<v128>())));
                        }
                    }
                }
            }
            for (p, a) in acc.iter().enumerate() {
                for (r, &v) in a.iter().enumerate() {
                    v128_store(ptrs.out.add(o + p * ch + 4 * r).cast::<v128>(), clamp(v, lo, hi));
                }
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

    /// The pointwise convolution (see the AVX2 version): panel groups that fit in L2, rows in
    /// blocks of four, one panel of eight output channels (two vectors) at a time. (Blocks of
    /// six, as the AVX2 kernel uses, measured slower here: 22.3 against 20.7 ms a tracked frame
    /// in Chromium.)
    pub(super) fn pointwise(d: &Dims, a: &[f32], packed: &[f32], bias: &[f32], residual: Option<&[f32]>, clamp: Clamp, out: &mut [Slot]) {
        let Dims { m, k, n } = *d;
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
        let bounds = (f32x4_splat(clamp.lo()), f32x4_splat(clamp.hi()));
        let panels = n / PANEL;
        let group = crate::pointwise::panel_group(k);
        for g0 in (0..panels).step_by(group) {
            let g1 = (g0 + group).min(panels);
            let mut m0 = 0;
            while m0 < m {
                let rows = (m - m0).min(4);
                for j in g0..g1 {
                    // SAFETY: rows m0..m0 + rows <= m and panel j < n / 8 are within the
                    // asserted extents.
                    unsafe {
                        match rows {
                            4 => tile::<4>(&ptrs, d, m0, j, bounds),
                            3 => tile::<3>(&ptrs, d, m0, j, bounds),
                            2 => tile::<2>(&ptrs, d, m0, j, bounds),
                            _ => tile::<1>(&ptrs, d, m0, j, bounds),
                        }
                    }
                }
                m0 += rows;
            }
        }
    }

    /// Rows `m0..m0 + R`, output channels `8j..8j + 8`.
    ///
    /// # Safety
    /// `m0 + R <= m`, `j < n / 8`, and the buffers behind `p` hold at least `m·k` (a), `k·n`
    /// (packed), `n` (bias) and `m·n` (residual, out) values.
    #[inline(always)]
    unsafe fn tile<const R: usize>(p: &GemmPtrs, d: &Dims, m0: usize, j: usize, (lo, hi): (v128, v128)) {
        let Dims { k, n, .. } = *d;
        // SAFETY: every offset below is within the extents the caller guarantees.
        unsafe {
            let b0 = v128_load(p.bias.add(j * PANEL).cast::<v128>());
            let b1 = v128_load(p.bias.add(j * PANEL + 4).cast::<v128>());
            let mut acc = [[b0, b1]; R];
            let w = p.packed.add(j * k * PANEL);
            let rows: [*const f32; R] = std::array::from_fn(|r| p.a.add((m0 + r) * k));
            for kk in 0..k {
                let w0 = v128_load(w.add(kk * PANEL).cast::<v128>());
                let w1 = v128_load(w.add(kk * PANEL + 4).cast::<v128>());
                for (r, row) in acc.iter_mut().enumerate() {
                    let x = f32x4_splat(*rows[r].add(kk));
                    row[0] = f32x4_add(row[0], f32x4_mul(x, w0));
                    row[1] = f32x4_add(row[1], f32x4_mul(x, w1));
                }
            }
            for (r, row) in acc.iter().enumerate() {
                for (q, &v) in row.iter().enumerate() {
                    let at = (m0 + r) * n + j * PANEL + 4 * q;
                    let v = match p.residual {
                        Some(res) => f32x4_add(v, v128_load(res.add(at).cast::<v128>())),
                        None => v,
                    };
                    v128_store(p.out.add(at).cast::<v128>(), clamp(v, lo, hi));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `2 · input` for every element but `skip` (image, element).
    fn double_except(input: &[f32], skip: Option<(usize, usize)>) -> Vec<f32> {
        let mut image = 0;
        fill_images(format_args!("doubling"), 4, 4, input, |src, dst| {
            for (i, &x) in src.iter().enumerate() {
                if skip != Some((image, i)) {
                    dst[i].set(2.0 * x);
                }
            }
            image += 1;
        })
    }

    #[test]
    fn a_fully_written_buffer_passes_the_check() {
        let input: Vec<f32> = (0..12).map(|i| i as f32).collect();
        assert_eq!(double_except(&input, None), input.iter().map(|x| 2.0 * x).collect::<Vec<_>>());
        assert!(double_except(&input[..3], None).is_empty(), "no whole image");
    }

    /// The check this module's soundness leans on fires, naming the element.
    #[test]
    #[cfg_attr(target_arch = "wasm32", ignore = "WebAssembly aborts on a panic, so the panic this catches cannot be caught there")]
    fn an_unwritten_element_fails_the_check() {
        let input: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let err = std::panic::catch_unwind(|| double_except(&input, Some((1, 3)))).expect_err("an unwritten element must panic");
        let message = err.downcast_ref::<String>().map_or("", String::as_str);
        assert_eq!(message, "doubling: output element 3 of image 1 was never written");
    }

    #[test]
    fn detection_picks_one_of_all_the_kernels() {
        let all = Kernel::all();
        assert_eq!(all[0], Kernel::Portable);
        assert!(all.contains(&Kernel::detect()));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            assert!(matches!(Kernel::detect(), Kernel::Avx2Fma(_)), "this CPU has AVX2 and FMA");
            assert_eq!(all.len(), 2);
        }
    }
}
