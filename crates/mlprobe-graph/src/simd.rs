//! One dispatch for the kernels compiled for several instruction sets.
//!
//! A kernel is written once, in plain Rust, inside [`simd_kernel!`](crate::simd_kernel);
//! the macro compiles it three times (plain, AVX2, AVX-512F) and calls the
//! variant [`active`] names. Every kernel does the same correctly rounded
//! IEEE operations in the same order at every width (Rust never fuses a
//! multiply and an add on its own), so the variants give the same bits; the
//! wider ones are only faster. `tests/simd_paths.rs` runs every variant the
//! CPU has and compares the bits.
//!
//! The variant is the widest the CPU has, unless [`force`] or the
//! environment variable `MLPROBE_SIMD` (`plain`, `avx2`, `avx512`) names
//! another.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

crate::named_enum! {
    /// An instruction set a kernel is compiled for.
    pub enum SimdLevel("SIMD level") {
        /// Whatever the target's baseline is (SSE2 on x86-64).
        Plain => "plain",
        /// AVX2.
        Avx2 => "avx2",
        /// AVX-512F.
        Avx512 => "avx512",
    }
}

/// The environment variable that forces a [`SimdLevel`].
pub const ENV: &str = "MLPROBE_SIMD";

/// A level that cannot be used here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimdError {
    /// `MLPROBE_SIMD` is not a level's name.
    #[error("{ENV}: {0}")]
    Unknown(#[from] crate::UnknownName),
    /// The CPU lacks the instructions.
    #[error("this CPU cannot run the {0} kernels (it has: {1})")]
    Unsupported(SimdLevel, String),
}

impl SimdLevel {
    /// Whether this CPU can run the level's kernels.
    pub fn is_supported(self) -> bool {
        match self {
            SimdLevel::Plain => true,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    fn checked(self) -> Result<Self, SimdError> {
        if self.is_supported() {
            Ok(self)
        } else {
            let names: Vec<&str> = supported().into_iter().map(SimdLevel::name).collect();
            Err(SimdError::Unsupported(self, names.join(", ")))
        }
    }
}

/// The levels this CPU can run, narrowest first.
pub fn supported() -> Vec<SimdLevel> {
    SimdLevel::ALL.into_iter().filter(|l| l.is_supported()).collect()
}

/// The level `MLPROBE_SIMD` names, if it is set; an error if it names no
/// level or one this CPU lacks (commands check it at start, kernels then
/// ignore a bad value).
pub fn from_env() -> Result<Option<SimdLevel>, SimdError> {
    match std::env::var(ENV) {
        Ok(v) if !v.is_empty() => Ok(Some(v.parse::<SimdLevel>()?.checked()?)),
        _ => Ok(None),
    }
}

/// What [`force`] set: 0 for nothing, else 1 + the level's index.
static FORCED: AtomicU8 = AtomicU8::new(0);

/// Makes every kernel use `level` (or, with `None`, the default again).
pub fn force(level: Option<SimdLevel>) -> Result<(), SimdError> {
    let code = match level {
        Some(l) => 1 + l.checked()? as u8,
        None => 0,
    };
    FORCED.store(code, Ordering::Relaxed);
    Ok(())
}

/// The level kernels use now: the forced one, else `MLPROBE_SIMD`'s, else
/// the widest this CPU has.
pub fn active() -> SimdLevel {
    match FORCED.load(Ordering::Relaxed) {
        0 => {
            static DEFAULT: OnceLock<SimdLevel> = OnceLock::new();
            *DEFAULT.get_or_init(|| {
                from_env()
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| *supported().last().expect("plain is always supported"))
            })
        }
        code => SimdLevel::ALL[code as usize - 1],
    }
}

/// Defines a kernel once and compiles it for every [`SimdLevel`]; calls
/// run the variant [`active`] names. The body must be plain, safe Rust.
///
/// ```
/// mlprobe_graph::simd_kernel! {
///     /// `y += a * x`.
///     fn axpy(y: &mut [f32], x: &[f32], a: f32) {
///         for (y, x) in y.iter_mut().zip(x) {
///             *y += a * x;
///         }
///     }
/// }
/// let mut y = vec![1.0; 3];
/// axpy(&mut y, &[1.0, 2.0, 3.0], 2.0);
/// assert_eq!(y, [3.0, 5.0, 7.0]);
/// ```
#[macro_export]
macro_rules! simd_kernel {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident $(<$($g:ident: $bound:path),+>)? ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
        $body:block
    ) => {
        $(#[$meta])*
        $vis fn $name $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn plain $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? $body

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f")]
            fn avx512 $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
                plain($($arg),*)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            fn avx2 $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
                plain($($arg),*)
            }

            match $crate::simd::active() {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `active` names only a level the CPU has.
                $crate::simd::SimdLevel::Avx512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above.
                $crate::simd::SimdLevel::Avx2 => unsafe { avx2($($arg),*) },
                _ => plain($($arg),*),
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_unsupported_ones_are_refused() {
        assert_eq!("avx2".parse::<SimdLevel>(), Ok(SimdLevel::Avx2));
        assert!("sse9".parse::<SimdLevel>().is_err());
        assert_eq!(supported()[0], SimdLevel::Plain);
        for level in SimdLevel::ALL {
            assert_eq!(force(Some(level)).is_ok(), level.is_supported());
        }
        force(None).unwrap();
        assert_eq!(active(), from_env().unwrap().unwrap_or(*supported().last().unwrap()));
    }
}
