//! Parameters checked before use, the pattern every probe crate follows
//! (after linfa): `XParams` as given, `XParams::check()` into a ready `X`
//! that cannot hold an invalid value, a typed error naming the bad one.
//! [`checked_params!`](crate::checked_params) writes the part that is the
//! same in every crate; the crate writes what is its own, the `validate`
//! method and the error.

/// Whether `v` is a finite fraction in `[0, 1]`.
pub fn is_fraction(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

/// Whether `v` is finite and at least 0.
pub fn is_non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

/// Defines the checked form of a parameter struct: a newtype that only
/// `check()` makes, with a getter per field, and `check()` itself, which
/// calls the parameters' own `validate(&self) -> Result<(), Error>`.
///
/// ```
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// pub struct StepParams {
///     pub step: f64,
/// }
///
/// impl StepParams {
///     fn validate(&self) -> Result<(), String> {
///         if self.step > 0.0 { Ok(()) } else { Err(format!("step {} must be > 0", self.step)) }
///     }
/// }
///
/// mlprobe_graph::checked_params! {
///     /// A checked step.
///     pub struct Step(StepParams) -> String {
///         /// The step.
///         step: f64,
///     }
/// }
///
/// assert_eq!(StepParams { step: 0.5 }.check().map(|s| s.step()), Ok(0.5));
/// assert!(StepParams { step: 0.0 }.check().is_err());
/// ```
#[macro_export]
macro_rules! checked_params {
    (
        $(#[$meta:meta])*
        $vis:vis struct $checked:ident($params:ident) -> $error:ty {
            $( $(#[$fmeta:meta])* $field:ident: $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $checked(pub(crate) $params);

        impl $checked {
            $(
                $(#[$fmeta])*
                pub fn $field(&self) -> $ty {
                    self.0.$field
                }
            )*
        }

        impl $params {
            #[doc = concat!("Checks the parameters into a ready [`", stringify!($checked), "`]; the error names the bad value.")]
            pub fn check(self) -> Result<$checked, $error> {
                self.validate()?;
                Ok($checked(self))
            }
        }
    };
}
