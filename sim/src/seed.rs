//! Which world a simulator starts with.

use std::fmt;
use std::str::FromStr;

/// `demo` (a small deterministic world for people), `scale:<N>` (N records in realistic
/// proportions, for benchmarks) or `empty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    Empty,
    Demo,
    Scale(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid seed {0:?}: expected `demo`, `empty` or `scale:<N>` with N a whole number")]
pub struct InvalidSeed(pub String);

impl FromStr for Seed {
    type Err = InvalidSeed;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "empty" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            _ => s
                .strip_prefix("scale:")
                .and_then(|n| n.replace('_', "").parse().ok())
                .map(Seed::Scale)
                .ok_or_else(|| InvalidSeed(s.to_owned())),
        }
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seed::Empty => f.write_str("empty"),
            Seed::Demo => f.write_str("demo"),
            Seed::Scale(n) => write!(f, "scale:{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_names_bad_input() {
        assert_eq!("demo".parse(), Ok(Seed::Demo));
        assert_eq!("empty".parse(), Ok(Seed::Empty));
        assert_eq!("scale:1_000_000".parse(), Ok(Seed::Scale(1_000_000)));
        assert_eq!(Seed::Scale(5).to_string(), "scale:5");
        let err = "scale:many".parse::<Seed>().unwrap_err();
        assert!(err.to_string().contains("scale:many"));
    }
}
