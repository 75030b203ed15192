//! The probes of mlprobe, each declared by its own crate.

use mlprobe_graph::Registry;

/// A registry of the probes of mlprobe: the paper's five (`binarize`,
/// `prune`, `noise`, `flip`, `randomize`) and `quantize`. Add your own with
/// [`Registry::register`].
pub fn builtin_probes() -> Registry {
    Registry::of([
        mlprobe_binarize::kind(),
        mlprobe_prune::kind(),
        mlprobe_noise::kind(),
        mlprobe_flip::kind(),
        mlprobe_randomize::kind(),
        mlprobe_quantize::kind(),
    ])
    .expect("the built-in probes have distinct, valid names")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_strategies_come_from_the_crates_enums() {
        let r = builtin_probes();
        let names: Vec<&str> = r.kinds().iter().map(|k| k.name()).collect();
        assert_eq!(names, ["binarize", "prune", "noise", "flip", "randomize", "quantize"]);
        assert_eq!(r.get("binarize").unwrap().default_strategies(), ["none"]);
        assert_eq!(r.get("binarize").unwrap().strategies(), ["none", "layer", "channel"]);
        assert!(r.get("quantize").unwrap().needs_matrix("channel").is_some());
        assert!(r.get("quantize").unwrap().needs_matrix("layer").is_none());
        let err = r.get("quantize").unwrap().build("layer", 9.0).err().unwrap();
        assert!(err.to_string().contains("quantize bits 9"), "{err}");
        assert_eq!(r.get("prune").unwrap().strategies(), ["smallest", "random", "largest"]);
        assert_eq!(r.get("randomize").unwrap().strategies().len(), 7);
        assert!(r.get("flip").unwrap().is_nested());
        assert!(r.get("binarize").unwrap().binarizes());
        assert!(!r.get("randomize").unwrap().takes_level());
        let err = r.get("prune").unwrap().build("smallest", 1.5).err().unwrap();
        assert!(err.to_string().contains("prune fraction 1.5"), "{err}");
        let err = r.get("noise").unwrap().build("pink", 0.1).err().unwrap();
        assert!(err.to_string().contains("unknown noise kind `pink`"), "{err}");
    }
}
