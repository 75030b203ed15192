//! Enums whose variants have one name each, spelled once: in configuration
//! files, outputs and messages alike.

/// A name that is not one of an enum's variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`: expected one of {expected}")]
pub struct UnknownName {
    /// What was being named, e.g. `activation`.
    pub what: &'static str,
    /// The name given.
    pub given: String,
    /// The valid names, comma-separated.
    pub expected: String,
}

/// Defines a fieldless enum whose variants each have one name, with
/// `ALL`, `name()`, `Display` and `FromStr` (whose error is [`UnknownName`]).
///
/// ```
/// mlprobe_graph::named_enum! {
///     /// A colour.
///     pub enum Colour("colour") {
///         /// Red.
///         Red => "red",
///         /// Blue.
///         Blue => "blue",
///     }
/// }
/// assert_eq!("blue".parse::<Colour>(), Ok(Colour::Blue));
/// assert_eq!(Colour::Red.to_string(), "red");
/// assert!("green".parse::<Colour>().unwrap_err().to_string().contains("expected one of red, blue"));
/// ```
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name used in configuration files and outputs.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.into_iter().find(|v| v.name() == s).ok_or_else(|| $crate::UnknownName {
                    what: $what,
                    given: s.to_string(),
                    expected: Self::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

/// What a plain name may hold, for messages: labels, dataset names and
/// probe names follow [`is_plain_name`].
pub const PLAIN_NAME: &str = "letters, digits, '-' or '_'";

/// Whether `s` is a plain name: non-empty, ASCII letters, digits, `-` and
/// `_` only (so that it is safe in file names and `+`/`/`-joined keys).
pub fn is_plain_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
