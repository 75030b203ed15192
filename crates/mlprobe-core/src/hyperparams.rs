//! Training parameters: unchecked [`TrainParams`] as read from a
//! configuration, checked into a valid [`TrainConfig`] before use.

use serde::{Deserialize, Serialize};

use mlprobe_graph::{Activation, Architecture, ArchitectureKind, ConvShape, VitShape};

use crate::errors::TrainError;

/// Training parameters as given (unchecked).
///
/// [`TrainParams::default()`] is the paper's setting for the full datasets
/// (about 12,000 training images per class pair): 10 epochs, about 940 Adam
/// steps. The budget depends on the data: on the embedded 10,000-image
/// subsets (about 1,650 training images per pair) use
/// [`TrainParams::embedded()`], 75 epochs, the same number of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// The kind of network: an MLP (the paper's), a CNN or a ViT.
    #[serde(default, skip_serializing_if = "is_mlp")]
    pub architecture: ArchitectureKind,
    /// Hidden layer sizes of an MLP, e.g. `[64]` (a CNN has none).
    pub hidden: Vec<usize>,
    /// The convolution blocks of a CNN (unused by an MLP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conv: Option<ConvParams>,
    /// The shape of a ViT (unused by the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vit: Option<VitParams>,
    /// Activation after every hidden layer of an MLP or a CNN (a ViT's
    /// feed-forward layers use GELU, as transformers do).
    pub activation: Activation,
    /// Passes over the training set; the cosine schedule spans them all.
    pub epochs: usize,
    /// Mini-batch size; the last batch of an epoch may be smaller.
    pub batch_size: usize,
    /// Initial Adam learning rate, annealed to 0 by a cosine per epoch.
    pub learning_rate: f64,
    /// A run whose full-precision test accuracy (%) is below this failed
    /// (the authors kept models above 70 %). It judges a run, it does not
    /// change its weights, so it is not part of a model's cache key.
    #[serde(skip_serializing, default = "default_failed_below")]
    pub failed_below: f64,
}

fn default_failed_below() -> f64 {
    70.0
}

fn is_mlp(kind: &ArchitectureKind) -> bool {
    *kind == ArchitectureKind::Mlp
}

/// The convolution blocks of a CNN: LeNet-like by default (two 5x5
/// convolutions with 8 and 16 channels, about 3,400 kernel weights).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvParams {
    /// Output channels of each block.
    pub channels: Vec<usize>,
    /// Side of every square kernel.
    pub kernel: usize,
}

impl Default for ConvParams {
    fn default() -> Self {
        Self {
            channels: vec![8, 16],
            kernel: 5,
        }
    }
}

/// The shape of a ViT: 7x7 patches (16 tokens of a 28x28 image), width 32,
/// two pre-norm blocks of two heads, feed-forward 32-64-32 by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitParams {
    /// Side of a square patch, in pixels.
    pub patch: usize,
    /// Width of a token's embedding.
    pub dim: usize,
    /// Attention heads per block.
    pub heads: usize,
    /// Transformer blocks.
    pub blocks: usize,
    /// Hidden width of each feed-forward layer.
    pub ff: usize,
}

impl Default for VitParams {
    fn default() -> Self {
        Self {
            patch: 7,
            dim: 32,
            heads: 2,
            blocks: 2,
            ff: 64,
        }
    }
}

impl VitParams {
    /// The shape on square images of side `side`.
    pub fn shape(&self, side: usize) -> VitShape {
        VitShape {
            side,
            patch: self.patch,
            dim: self.dim,
            heads: self.heads,
            blocks: self.blocks,
            ff: self.ff,
        }
    }
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            architecture: ArchitectureKind::Mlp,
            hidden: vec![64],
            conv: None,
            vit: None,
            activation: Activation::Relu,
            epochs: 10,
            batch_size: 128,
            learning_rate: 0.01,
            failed_below: default_failed_below(),
        }
    }
}

impl TrainParams {
    /// The default parameters with the budget for the embedded subsets:
    /// 75 epochs, as many Adam steps as the paper's 10 epochs on full data.
    pub fn embedded() -> Self {
        Self {
            epochs: 75,
            ..Self::default()
        }
    }

    /// Checks every parameter; the error names the first one out of range.
    /// A CNN without its `conv` keys gets [`ConvParams::default`], a ViT
    /// without its `vit` keys [`VitParams::default`].
    pub fn check(mut self) -> Result<TrainConfig, TrainError> {
        let bad = |name, value: String, expected| Err(TrainError::OutOfRange { name, value, expected });
        let kind = self.architecture;
        if kind != ArchitectureKind::Cnn && self.conv.is_some() {
            return bad("conv", format!("{:?}", self.conv), "conv keys only for a CNN");
        }
        if kind != ArchitectureKind::Vit && self.vit.is_some() {
            return bad("vit", format!("{:?}", self.vit), "vit keys only for a ViT");
        }
        match kind {
            ArchitectureKind::Cnn => {
                let conv = self.conv.get_or_insert_with(ConvParams::default);
                ConvShape::check_blocks(&conv.channels, conv.kernel).map_err(TrainError::Shape)?;
            }
            ArchitectureKind::Vit => {
                let vit = self.vit.get_or_insert_with(VitParams::default);
                vit.shape(vit.patch).check_blocks().map_err(TrainError::Shape)?;
            }
            ArchitectureKind::Mlp => {}
        }
        if self.hidden.contains(&0) || self.hidden.iter().any(|&w| w > MAX_WIDTH) {
            return bad(
                "hidden",
                format!("{:?}", self.hidden),
                "every hidden size in 1 ..= 65536",
            );
        }
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return bad(
                "hidden",
                format!("{} layers", self.hidden.len()),
                "at most 64 hidden layers",
            );
        }
        if self.epochs == 0 || self.epochs > 100_000 {
            return bad("epochs", self.epochs.to_string(), "1 ..= 100000");
        }
        if self.batch_size == 0 {
            return bad("batch_size", self.batch_size.to_string(), ">= 1");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 10.0) {
            return bad("learning_rate", self.learning_rate.to_string(), "finite, > 0 and <= 10");
        }
        if !(0.0..=100.0).contains(&self.failed_below) {
            return bad(
                "failed_below",
                self.failed_below.to_string(),
                "a percentage in 0 ..= 100",
            );
        }
        Ok(TrainConfig(self))
    }
}

/// Most hidden layers a network may have.
pub const MAX_HIDDEN_LAYERS: usize = 64;
/// Widest hidden layer.
pub const MAX_WIDTH: usize = 65_536;
/// Most weights and biases of a network one run may train: training holds
/// about four copies (weights, gradients, Adam's two moments), 800 MB at this size.
pub const MAX_WEIGHTS: u64 = 50_000_000;

/// Checked training parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainConfig(TrainParams);

impl TrainConfig {
    /// Node counts of the network for `inputs` features and `outputs`
    /// classes, input first, e.g. `[784, 64, 2]`.
    pub fn sizes(&self, inputs: usize, outputs: usize) -> Vec<usize> {
        std::iter::once(inputs)
            .chain(self.0.hidden.iter().copied())
            .chain(std::iter::once(outputs))
            .collect()
    }

    /// How the network for `inputs` features is wired; the error says why
    /// a CNN or a ViT does not fit the data (images not square, too small
    /// for its kernels, not whole patches).
    pub fn architecture(&self, inputs: usize) -> Result<Architecture, TrainError> {
        let side = || Architecture::square_side(inputs).map_err(TrainError::Shape);
        let architecture = match (&self.0.architecture, &self.0.conv, &self.0.vit) {
            (ArchitectureKind::Cnn, Some(conv), _) => Architecture::Cnn(ConvShape {
                side: side()?,
                channels: conv.channels.clone(),
                kernel: conv.kernel,
            }),
            (ArchitectureKind::Vit, _, Some(vit)) => Architecture::Vit(vit.shape(side()?)),
            _ => return Ok(Architecture::Mlp),
        };
        architecture.check().map_err(TrainError::Shape)?;
        Ok(architecture)
    }

    /// `(n_in, n_out)` of every layer of the network of `architecture`.
    fn layer_shapes(&self, architecture: &Architecture, inputs: usize, outputs: usize) -> Vec<(usize, usize)> {
        match architecture {
            Architecture::Cnn(shape) => shape.layer_shapes(outputs),
            Architecture::Vit(shape) => shape.layer_shapes(outputs),
            Architecture::Mlp => self.sizes(inputs, outputs).windows(2).map(|w| (w[0], w[1])).collect(),
        }
    }

    /// The name of every layer of the network (see
    /// [`ArchitectureKind::layer_name`]), which does not depend on the data.
    pub fn layer_names(&self) -> Vec<String> {
        let depth = match (&self.0.architecture, &self.0.conv, &self.0.vit) {
            (ArchitectureKind::Cnn, Some(conv), _) => conv.channels.len() + 1,
            (ArchitectureKind::Vit, _, Some(vit)) => vit.shape(vit.patch).matrices(),
            _ => self.0.hidden.len() + 1,
        };
        (0..depth).map(|l| self.0.architecture.layer_name(l, depth)).collect()
    }

    /// The network for `inputs` features and `outputs` classes in labels:
    /// `784-64-2` for an MLP, `cnn 8-16 5x5` for a CNN, `vit 2x32 7x7` for
    /// a ViT (see [`WeightStack::label`]).
    ///
    /// [`WeightStack::label`]: mlprobe_graph::WeightStack::label
    pub fn network_label(&self, inputs: usize, outputs: usize) -> String {
        let label = self.architecture(inputs).ok().and_then(|a| a.label());
        label.unwrap_or_else(|| {
            (self.sizes(inputs, outputs).iter())
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join("-")
        })
    }

    /// Weights and biases of the network for `inputs` features and `outputs`
    /// classes (a ViT's LayerNorms included).
    pub fn weights(&self, inputs: usize, outputs: usize) -> u64 {
        let architecture = self.architecture(inputs).unwrap_or_default();
        let shapes = self.layer_shapes(&architecture, inputs, outputs);
        let norms = match &architecture {
            Architecture::Vit(s) => 2 * s.norm_names().len() as u64 * s.dim as u64,
            _ => 0,
        };
        shapes.iter().map(|&(i, o)| (i as u64 + 1) * o as u64).sum::<u64>() + norms
    }

    /// Multiply-adds of one example's forward pass through the network for
    /// `inputs` features and `outputs` classes: its weights for an MLP, many
    /// more for a CNN (a kernel at every position) or a ViT (every token).
    pub fn multiply_adds(&self, inputs: usize, outputs: usize) -> u64 {
        let architecture = self.architecture(inputs).unwrap_or_default();
        let shapes = self.layer_shapes(&architecture, inputs, outputs);
        architecture.layer_multiply_adds(&shapes).iter().sum::<f64>() as u64
    }

    /// Checks that the network for `inputs` features and `outputs` classes
    /// fits the data and is small enough to train ([`MAX_WEIGHTS`]).
    pub fn check_size(&self, inputs: usize, outputs: usize) -> Result<(), TrainError> {
        let architecture = self.architecture(inputs)?;
        let weights = self.weights(inputs, outputs);
        if weights > MAX_WEIGHTS {
            let sizes: Vec<String> = match architecture {
                Architecture::Mlp => self.sizes(inputs, outputs).iter().map(|n| n.to_string()).collect(),
                other => (self.layer_shapes(&other, inputs, outputs).iter())
                    .map(|(i, o)| format!("{i}x{o}"))
                    .collect(),
            };
            return Err(TrainError::TooLarge {
                sizes: sizes.join("-"),
                weights,
                megabytes: weights * 16 / 1_000_000,
            });
        }
        Ok(())
    }

    /// Optimizer steps of a training run on `n_train` examples (the last,
    /// partial mini-batch of an epoch is a step too).
    pub fn adam_steps(&self, n_train: usize) -> usize {
        self.epochs * n_train.div_ceil(self.batch_size)
    }

    /// The parameters.
    pub fn params(&self) -> &TrainParams {
        &self.0
    }

    /// Learning rate of epoch `e` (from 0): cosine annealing from the initial
    /// rate to 0 over all epochs, as PyTorch's `CosineAnnealingLR(T_max = epochs)`
    /// stepped once per epoch.
    pub fn learning_rate_at(&self, epoch: usize) -> f64 {
        let t = epoch as f64 / self.0.epochs as f64;
        self.0.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
    }
}

impl std::ops::Deref for TrainConfig {
    type Target = TrainParams;

    fn deref(&self) -> &TrainParams {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_out_of_range_values_are_named() {
        assert!(TrainParams::default().check().is_ok());
        let err = TrainParams {
            learning_rate: -0.1,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("learning_rate = -0.1"), "{err}");
        let err = TrainParams {
            hidden: vec![64, 0],
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("hidden"), "{err}");
        let err = TrainParams {
            hidden: vec![100_000_000_000],
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("hidden = [100000000000]"), "{err}");
        let deep = TrainParams {
            hidden: vec![4096; 400],
            ..Default::default()
        };
        assert!(deep.check().unwrap_err().to_string().contains("400 layers"));
        let wide = TrainParams {
            hidden: vec![4096; 4],
            ..Default::default()
        }
        .check()
        .unwrap();
        let err = wide.check_size(784, 2).unwrap_err().to_string();
        assert!(
            err.contains("784-4096-4096-4096-4096-2") && err.contains("53567490 weights"),
            "{err}"
        );
        assert!(TrainParams::default().check().unwrap().check_size(784, 2).is_ok());
        let err = TrainParams {
            epochs: 0,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("epochs"), "{err}");
        let err = TrainParams {
            learning_rate: f64::NAN,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(err.to_string().starts_with("learning_rate"), "{err}");
    }

    #[test]
    fn cosine_schedule_starts_at_the_rate_and_halves_midway() {
        let cfg = TrainParams {
            epochs: 10,
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(cfg.learning_rate_at(0), 0.01);
        assert!((cfg.learning_rate_at(5) - 0.005).abs() < 1e-12);
        assert!(cfg.learning_rate_at(9) > 0.0 && cfg.learning_rate_at(9) < 0.0003);
    }
}
