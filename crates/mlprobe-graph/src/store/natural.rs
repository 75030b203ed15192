//! Natural order of names: `fc2` before `fc10`, `layers.2` before `layers.10`.

use std::cmp::Ordering;

/// Compares names part by part, runs of digits by their value and the rest
/// as text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let text = |s: &str| s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
        let (da, db) = (digits(a), digits(b));
        let order = if da > 0 && db > 0 {
            let (na, nb) = (a[..da].trim_start_matches('0'), b[..db].trim_start_matches('0'));
            na.len().cmp(&nb.len()).then_with(|| na.cmp(nb)).then(da.cmp(&db))
        } else {
            let (ta, tb) = (text(a).max(da), text(b).max(db));
            a[..ta].cmp(&b[..tb])
        };
        if order != Ordering::Equal {
            return order;
        }
        let step_a = if da > 0 { da } else { text(a) };
        let step_b = if db > 0 { db } else { text(b) };
        a = &a[step_a..];
        b = &b[step_b..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        let mut names = vec!["fc10", "fc2", "fc1", "layers.10.weight", "layers.2.weight", "a", "fc02"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["a", "fc1", "fc2", "fc02", "fc10", "layers.2.weight", "layers.10.weight"]
        );
        assert_eq!(natural_cmp("x", "x"), Ordering::Equal);
    }
}
