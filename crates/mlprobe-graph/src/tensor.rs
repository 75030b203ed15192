//! Arrays as PyTorch stores them, seen as the bipartite layers probes act on.
//!
//! - `linear` `[out, in]` (an `nn.Linear` weight): `in` input nodes, `out`
//!   output nodes;
//! - `conv` `[out, in, kh, kw]`: input nodes (in channel, kernel offset),
//!   output nodes the out channels;
//! - `embedding` `[tokens, features]` (an `nn.Embedding` or positional
//!   table): tokens as input nodes, features as output nodes, as the ViT's
//!   `pos_embed`;
//! - `vector` `[n]` (a bias or a gain): one input node joined to `n` outputs.

use crate::named_enum;
use crate::weights::Layer;

named_enum! {
    /// How an array of a given rank is viewed as a bipartite layer.
    pub enum TensorKind("tensor kind") {
        /// `[out, in]`, as `nn.Linear` stores its weight.
        Linear => "linear",
        /// `[out, in, kh, kw]`, as `nn.Conv2d` stores its kernel.
        Conv => "conv",
        /// `[tokens, features]`, as `nn.Embedding` stores its table.
        Embedding => "embedding",
        /// `[n]`: a bias, a gain, any vector.
        Vector => "vector",
    }
}

/// Why an array cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TensorError {
    /// The array's rank or shape does not fit the kind.
    #[error("`{name}` has shape {shape:?}: {reason}")]
    Shape {
        /// The array's name.
        name: String,
        /// Its shape.
        shape: Vec<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The array holds NaN or infinite values.
    #[error("`{name}` holds {nan} NaN and {infinite} infinite values; probes need finite weights")]
    NonFinite {
        /// The array's name.
        name: String,
        /// NaN values.
        nan: usize,
        /// Infinite values.
        infinite: usize,
    },
}

/// Trailing names of the tables read as `embedding` by default: Hugging
/// Face's `*_embeddings` and timm's (and mlprobe's ViT's) `pos_embed`.
const EMBEDDING_ENDINGS: [&str; 2] = ["embeddings", "pos_embed"];

impl TensorKind {
    /// The kind of an array named `name` of this shape, when not given:
    /// `vector` for rank 1, `conv` for rank 4, for rank 2 `embedding` when
    /// the module's name ends in `embeddings` or is `pos_embed`, else `linear`.
    pub fn infer(name: &str, shape: &[usize]) -> Result<Self, TensorError> {
        let module = name.strip_suffix(".weight").unwrap_or(name);
        let last = module.rsplit('.').next().unwrap_or(module);
        match shape.len() {
            1 => Ok(Self::Vector),
            2 if EMBEDDING_ENDINGS.iter().any(|e| last.ends_with(e)) => Ok(Self::Embedding),
            2 => Ok(Self::Linear),
            4 => Ok(Self::Conv),
            _ => Err(shape_error(name, shape, "probes take arrays of rank 1, 2 or 4")),
        }
    }

    /// `(n_in, n_out)` of the layer an array of this shape is, or why it is none.
    pub fn nodes(self, name: &str, shape: &[usize]) -> Result<(usize, usize), TensorError> {
        let (rank, nodes) = match (self, shape) {
            (Self::Vector, [n]) => (1, (1, *n)),
            (Self::Linear, [out, inp]) => (2, (*inp, *out)),
            (Self::Embedding, [tokens, features]) => (2, (*tokens, *features)),
            (Self::Conv, [out, inp, kh, kw]) => (4, (inp * kh * kw, *out)),
            (Self::Vector, _) => (1, (0, 0)),
            (Self::Linear | Self::Embedding, _) => (2, (0, 0)),
            (Self::Conv, _) => (4, (0, 0)),
        };
        if shape.len() != rank {
            return Err(shape_error(name, shape, &format!("a {self} array has rank {rank}")));
        }
        if nodes.0 == 0 || nodes.1 == 0 {
            return Err(shape_error(name, shape, "an array to probe needs at least one value"));
        }
        Ok(nodes)
    }

    /// The layer `values` (in the array's own order) are, with `bias` (one
    /// per output node, or none).
    pub fn to_layer(self, name: &str, shape: &[usize], values: &[f32], bias: Vec<f32>) -> Result<Layer, TensorError> {
        let (n_in, n_out) = self.nodes(name, shape)?;
        if values.len() != n_in * n_out {
            return Err(shape_error(name, shape, &format!("{} values given", values.len())));
        }
        if !bias.is_empty() && bias.len() != n_out {
            return Err(shape_error(
                name,
                shape,
                &format!("its bias has {} values, not one per output ({n_out})", bias.len()),
            ));
        }
        check_finite(name, values)?;
        check_finite(name, &bias)?;
        Ok(match self {
            Self::Linear | Self::Conv => Layer::from_out_in(n_in, n_out, values, bias),
            Self::Embedding | Self::Vector => Layer::new(n_in, n_out, values.to_vec(), bias),
        })
    }

    /// The weights of `layer` in the array's own order (the inverse of [`TensorKind::to_layer`]).
    pub fn values_of(self, layer: &Layer) -> Vec<f32> {
        match self {
            Self::Linear | Self::Conv => layer.out_in(),
            Self::Embedding | Self::Vector => layer.weights.clone(),
        }
    }
}

fn shape_error(name: &str, shape: &[usize], reason: &str) -> TensorError {
    TensorError::Shape {
        name: name.to_string(),
        shape: shape.to_vec(),
        reason: reason.to_string(),
    }
}

/// `Ok` when every value is finite; else the counts of NaN and infinite ones.
pub fn check_finite(name: &str, values: &[f32]) -> Result<(), TensorError> {
    let nan = values.iter().filter(|v| v.is_nan()).count();
    let infinite = values.iter().filter(|v| v.is_infinite()).count();
    if nan + infinite == 0 {
        return Ok(());
    }
    Err(TensorError::NonFinite {
        name: name.to_string(),
        nan,
        infinite,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_inferred_from_rank_and_name() {
        let kind = |name: &str, shape: &[usize]| TensorKind::infer(name, shape).unwrap();
        assert_eq!(kind("fc1.weight", &[3, 4]), TensorKind::Linear);
        assert_eq!(kind("patch_embed.weight", &[32, 49]), TensorKind::Linear);
        assert_eq!(kind("pos_embed", &[16, 32]), TensorKind::Embedding);
        assert_eq!(
            kind("embeddings.position_embeddings.weight", &[512, 384]),
            TensorKind::Embedding
        );
        assert_eq!(kind("conv1.weight", &[8, 1, 5, 5]), TensorKind::Conv);
        assert_eq!(kind("fc1.bias", &[3]), TensorKind::Vector);
        let err = TensorKind::infer("x", &[2, 2, 2]).unwrap_err().to_string();
        assert!(
            err.contains("`x` has shape [2, 2, 2]") && err.contains("rank 1, 2 or 4"),
            "{err}"
        );
    }

    #[test]
    fn every_kind_round_trips_through_its_layer() {
        let values: Vec<f32> = (0..24).map(|v| v as f32 - 11.5).collect();
        for (kind, shape, nodes) in [
            (TensorKind::Linear, vec![4, 6], (6, 4)),
            (TensorKind::Embedding, vec![4, 6], (4, 6)),
            (TensorKind::Conv, vec![2, 3, 2, 2], (12, 2)),
            (TensorKind::Vector, vec![24], (1, 24)),
        ] {
            let layer = kind.to_layer("w", &shape, &values, Vec::new()).unwrap();
            assert_eq!((layer.n_in, layer.n_out), nodes, "{kind}");
            assert_eq!(kind.values_of(&layer), values, "{kind}");
        }
        let linear = TensorKind::Linear.to_layer("w", &[4, 6], &values, Vec::new()).unwrap();
        assert_eq!(linear.weight(1, 0), values[1], "input 1 -> output 0 is [0, 1]");
    }

    #[test]
    fn bad_arrays_are_named() {
        let err = |r: Result<Layer, TensorError>| r.unwrap_err().to_string();
        let m = TensorKind::Linear.to_layer("m", &[2], &[1.0, 2.0], Vec::new());
        assert!(err(m).contains("a linear array has rank 2"));
        let nan = TensorKind::Vector.to_layer("b", &[3], &[f32::NAN, f32::INFINITY, 1.0], Vec::new());
        assert_eq!(
            err(nan),
            "`b` holds 1 NaN and 1 infinite values; probes need finite weights"
        );
        let bias = TensorKind::Linear.to_layer("m", &[2, 1], &[1.0, 2.0], vec![0.0; 3]);
        assert!(err(bias).contains("bias has 3 values"));
        let empty = TensorKind::Linear.to_layer("m", &[0, 3], &[], Vec::new());
        assert!(err(empty).contains("at least one value"));
    }
}
