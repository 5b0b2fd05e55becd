//! Four `f32` lanes: WebAssembly SIMD's `v128` in the browser, a plain array elsewhere (where
//! the compiler vectorises it as it can). The arithmetic is the same on both: a multiply, then an
//! add (no fused multiply-add, which WebAssembly SIMD lacks), so the two give equal results.

// `unsafe` here: the SIMD lanes' loads and stores through raw pointers.
#![allow(unsafe_code)]

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::{
        f32x4_add, f32x4_extract_lane, f32x4_lt, f32x4_mul, f32x4_pmax, f32x4_splat, f32x4_sub,
        i32x4_shuffle, v128, v128_andnot, v128_load, v128_load32_splat, v128_store,
    };

    #[derive(Clone, Copy)]
    pub struct F32x4(v128);

    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            Self(f32x4_splat(0.0))
        }

        /// # Safety
        /// `p .. p + 4` must be readable (no alignment needed).
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            // SAFETY: the caller's promise; v128.load is a 1-aligned load.
            Self(unsafe { v128_load(p.cast()) })
        }

        /// One value read from `p`, in every lane.
        ///
        /// # Safety
        /// `p` must be readable.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            // SAFETY: the caller's promise.
            Self(unsafe { v128_load32_splat(p.cast()) })
        }

        /// # Safety
        /// `p .. p + 4` must be writable.
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            // SAFETY: the caller's promise.
            unsafe { v128_store(p.cast(), self.0) }
        }

        #[inline(always)]
        pub fn splat(value: f32) -> Self {
            Self(f32x4_splat(value))
        }

        /// `self + a · b`, lane by lane.
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }

        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            Self(f32x4_add(self.0, other.0))
        }

        /// `self · scale + shift`, then ReLU as burn-ndarray computes it (`v < 0 → 0`, so −0 and
        /// NaN pass through unchanged), lane by lane.
        #[inline(always)]
        pub fn scale_shift_relu(self, scale: Self, shift: Self) -> Self {
            let v = f32x4_add(f32x4_mul(self.0, scale.0), shift.0);
            // The lanes below zero become all-zero bits (+0).
            Self(v128_andnot(v, f32x4_lt(v, f32x4_splat(0.0))))
        }

        #[inline(always)]
        pub fn sub(self, other: Self) -> Self {
            Self(f32x4_sub(self.0, other.0))
        }

        /// Eight neighbouring values (`lo`, then `hi`) as four pairs: each pair's first, then
        /// its second value folded into the lane of `self` it belongs to, keeping the first
        /// largest ([`super::keep_larger`]).
        #[inline(always)]
        pub fn keep_larger_of_pairs(self, lo: Self, hi: Self) -> Self {
            let (firsts, seconds) = Self::deinterleave(lo, hi);
            // pmax(a, b) is `a < b ? b : a`: a later value wins only if strictly larger.
            Self(f32x4_pmax(f32x4_pmax(self.0, firsts.0), seconds.0))
        }

        /// Eight neighbouring values (`lo`, then `hi`) split into the four at even places and
        /// the four at odd places.
        #[inline(always)]
        pub fn deinterleave(lo: Self, hi: Self) -> (Self, Self) {
            (
                Self(i32x4_shuffle::<0, 2, 4, 6>(lo.0, hi.0)),
                Self(i32x4_shuffle::<1, 3, 5, 7>(lo.0, hi.0)),
            )
        }

        /// `evens` and `odds` woven into eight neighbouring values (`lo`, then `hi`): the
        /// inverse of [`Self::deinterleave`].
        #[inline(always)]
        pub fn interleave(evens: Self, odds: Self) -> (Self, Self) {
            (
                Self(i32x4_shuffle::<0, 4, 1, 5>(evens.0, odds.0)),
                Self(i32x4_shuffle::<2, 6, 3, 7>(evens.0, odds.0)),
            )
        }

        /// `(l0 + l1) + (l2 + l3)`.
        #[inline(always)]
        pub fn sum(self) -> f32 {
            let v = self.0;
            (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
                + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4([f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            Self([0.0; 4])
        }

        /// # Safety
        /// `p .. p + 4` must be readable (no alignment needed).
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            // SAFETY: the caller's promise.
            Self(unsafe { p.cast::<[f32; 4]>().read_unaligned() })
        }

        /// One value read from `p`, in every lane.
        ///
        /// # Safety
        /// `p` must be readable.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            // SAFETY: the caller's promise.
            Self([unsafe { p.read() }; 4])
        }

        /// # Safety
        /// `p .. p + 4` must be writable.
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            // SAFETY: the caller's promise.
            unsafe { p.cast::<[f32; 4]>().write_unaligned(self.0) }
        }

        #[inline(always)]
        pub fn splat(value: f32) -> Self {
            Self([value; 4])
        }

        /// `self + a · b`, lane by lane.
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(std::array::from_fn(|l| self.0[l] + a.0[l] * b.0[l]))
        }

        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            Self(std::array::from_fn(|l| self.0[l] + other.0[l]))
        }

        /// `self · scale + shift`, then ReLU as burn-ndarray computes it (`v < 0 → 0`, so −0 and
        /// NaN pass through unchanged), lane by lane.
        #[inline(always)]
        pub fn scale_shift_relu(self, scale: Self, shift: Self) -> Self {
            Self(std::array::from_fn(|l| {
                super::scale_shift_relu(self.0[l], scale.0[l], shift.0[l])
            }))
        }

        #[inline(always)]
        pub fn sub(self, other: Self) -> Self {
            Self(std::array::from_fn(|l| self.0[l] - other.0[l]))
        }

        /// Eight neighbouring values (`lo`, then `hi`) as four pairs: each pair's first, then
        /// its second value folded into the lane of `self` it belongs to, keeping the first
        /// largest ([`super::keep_larger`]).
        #[inline(always)]
        pub fn keep_larger_of_pairs(self, lo: Self, hi: Self) -> Self {
            let (firsts, seconds) = Self::deinterleave(lo, hi);
            Self(std::array::from_fn(|l| {
                super::keep_larger(super::keep_larger(self.0[l], firsts.0[l]), seconds.0[l])
            }))
        }

        /// Eight neighbouring values (`lo`, then `hi`) split into the four at even places and
        /// the four at odd places.
        #[inline(always)]
        pub fn deinterleave(lo: Self, hi: Self) -> (Self, Self) {
            let all = |i: usize| if i < 4 { lo.0[i] } else { hi.0[i - 4] };
            (
                Self(std::array::from_fn(|l| all(2 * l))),
                Self(std::array::from_fn(|l| all(2 * l + 1))),
            )
        }

        /// `evens` and `odds` woven into eight neighbouring values (`lo`, then `hi`): the
        /// inverse of [`Self::deinterleave`].
        #[inline(always)]
        pub fn interleave(evens: Self, odds: Self) -> (Self, Self) {
            let at = |i: usize| {
                if i.is_multiple_of(2) {
                    evens.0[i / 2]
                } else {
                    odds.0[i / 2]
                }
            };
            (
                Self(std::array::from_fn(at)),
                Self(std::array::from_fn(|l| at(l + 4))),
            )
        }

        /// `(l0 + l1) + (l2 + l3)`.
        #[inline(always)]
        pub fn sum(self) -> f32 {
            let v = self.0;
            (v[0] + v[1]) + (v[2] + v[3])
        }
    }
}

pub(crate) use imp::F32x4;

/// `v · scale + shift`, then ReLU as burn-ndarray computes it (`v < 0 → 0`, so −0 and NaN pass
/// through unchanged): one value of [`F32x4::scale_shift_relu`].
#[inline(always)]
pub(crate) fn scale_shift_relu(v: f32, scale: f32, shift: f32) -> f32 {
    let z = v * scale + shift;
    if z < 0.0 { 0.0 } else { z }
}

/// `v` if it is larger than `best`, else `best`: folded over values in order, the first largest
/// wins, and a NaN never does (as Burn's max-pool, which starts below every value).
#[inline(always)]
pub(crate) fn keep_larger(best: f32, v: f32) -> f32 {
    if v > best { v } else { best }
}
