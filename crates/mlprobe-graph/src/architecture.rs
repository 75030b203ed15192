//! How a network's matrices are wired. Whatever the wiring, a network is an
//! ordered list of named bipartite matrices ([`crate::Layer`]), and every
//! probe acts on that list alone; the architecture says how to run it.
//!
//! - [`Architecture::Mlp`]: a chain of dense layers;
//! - [`Architecture::Cnn`]: convolution blocks (valid `k x k` convolution,
//!   the hidden activation, 2x2 max-pooling) on a square one-channel image,
//!   then one dense layer to the classes. A kernel `[out, in, k, k]` is seen
//!   as the bipartite graph from its `in * k * k` input nodes (an input
//!   channel at a kernel offset, index `(c * k + dy) * k + dx`) to its `out`
//!   output channels: a node's strength and degree are taken over those
//!   edges, shared by every position of the image;
//! - [`Architecture::Vit`]: a vision transformer ([`VitShape`]), whose
//!   embeddings, attention and feed-forward projections and classifier are
//!   dense bipartite matrices (the positional embeddings: tokens x
//!   features), and whose LayerNorms ([`crate::Norm`]) probes leave alone.

use serde::{Deserialize, Serialize};

pub use crate::shape_error::ShapeError;
use crate::vit_shape::{self, VitShape};

/// The max-pooling window and stride after every convolution (LeNet's 2x2).
pub const POOL: usize = 2;

/// Most convolution blocks a network may have.
pub const MAX_CONV_BLOCKS: usize = 8;

/// Most channels of one convolution.
pub const MAX_CHANNELS: usize = 1024;

/// How a network's layers are wired (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Architecture {
    /// Dense layers in a chain.
    #[default]
    Mlp,
    /// Convolution blocks, then one dense layer.
    Cnn(ConvShape),
    /// A vision transformer.
    Vit(VitShape),
}

crate::named_enum! {
    /// The architectures by name, as experiment files and model files spell them.
    #[derive(Default)]
    pub enum ArchitectureKind("architecture") {
        /// [`Architecture::Mlp`] (the default, the paper's).
        #[default]
        Mlp => "mlp",
        /// [`Architecture::Cnn`].
        Cnn => "cnn",
        /// [`Architecture::Vit`].
        Vit => "vit",
    }
}

impl ArchitectureKind {
    /// The name of layer `l` of `depth` layers: the PyTorch module that
    /// holds it (`conv1`, `conv2`, `fc` for a CNN; `patch_embed`, ...,
    /// `head` for a ViT, see [`crate::vit_shape`]; the index for an MLP).
    pub fn layer_name(self, l: usize, depth: usize) -> String {
        match self {
            ArchitectureKind::Mlp => l.to_string(),
            ArchitectureKind::Vit => vit_shape::matrix_name(l, depth),
            ArchitectureKind::Cnn if l + 1 == depth => "fc".to_string(),
            ArchitectureKind::Cnn => format!("conv{}", l + 1),
        }
    }
}

impl Serialize for ArchitectureKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ArchitectureKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// The convolution blocks of a [`Architecture::Cnn`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvShape {
    /// Side of the square one-channel input image, in pixels.
    pub side: usize,
    /// Output channels of each convolution block, input first.
    pub channels: Vec<usize>,
    /// Side of every square kernel.
    pub kernel: usize,
}

impl ConvShape {
    /// The image side before each block and after the last one.
    fn sides(&self) -> Vec<usize> {
        let mut sides = vec![self.side];
        for _ in &self.channels {
            let s = *sides.last().expect("starts with the input");
            sides.push(s.saturating_sub(self.kernel - 1) / POOL);
        }
        sides
    }

    /// Checks the blocks' keys alone, whatever the image: channel counts and
    /// a kernel side in range; the error names the first at fault.
    pub fn check_blocks(channels: &[usize], kernel: usize) -> Result<(), ShapeError> {
        let text = format!("{channels:?}");
        if channels.is_empty() || channels.len() > MAX_CONV_BLOCKS {
            return Err(ShapeError::new("channels", text, "1 ..= 8 convolution blocks"));
        }
        if channels.iter().any(|&c| c == 0 || c > MAX_CHANNELS) {
            return Err(ShapeError::new("channels", text, "every count in 1 ..= 1024"));
        }
        if kernel == 0 {
            return Err(ShapeError::new("kernel", 0, "a kernel side of at least 1"));
        }
        Ok(())
    }

    /// Checks the keys against each other and the image; the error names
    /// the first at fault.
    pub fn check(&self) -> Result<(), ShapeError> {
        Self::check_blocks(&self.channels, self.kernel)?;
        let sides = self.sides();
        for (b, pair) in sides.windows(2).enumerate() {
            if pair[0] < self.kernel || pair[1] == 0 {
                return Err(ShapeError::new(
                    "kernel",
                    self.kernel,
                    format!(
                        "block {} sees a {}x{} image: too small for a {}x{} kernel and 2x2 pooling",
                        b + 1,
                        pair[0],
                        pair[0],
                        self.kernel,
                        self.kernel
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The shape in labels: `cnn 8-16 5x5` (channels per block, kernel).
    pub fn label(&self) -> String {
        let channels: Vec<String> = self.channels.iter().map(|c| c.to_string()).collect();
        format!("cnn {} {}x{}", channels.join("-"), self.kernel, self.kernel)
    }

    /// Features of the flattened output of the last block.
    pub fn features(&self) -> usize {
        let side = *self.sides().last().expect("starts with the input");
        side * side * self.channels.last().copied().unwrap_or(1)
    }

    /// Where every patch entry of block `b` reads its input, on maps
    /// `[side, side, channels]` (channels last; the image for block 0): row
    /// `(y, x)` over the output positions, column `(c, dy, dx)` as a
    /// kernel's bipartite input nodes are numbered.
    pub fn patch_indices(&self, b: usize) -> Vec<usize> {
        let (side, k) = (self.side_at(b), self.kernel);
        let channels = if b == 0 { 1 } else { self.channels[b - 1] };
        let o = side - k + 1;
        let mut idx = Vec::with_capacity(o * o * channels * k * k);
        for y in 0..o {
            for x in 0..o {
                for c in 0..channels {
                    for dy in 0..k {
                        idx.extend((0..k).map(|dx| ((y + dy) * side + x + dx) * channels + c));
                    }
                }
            }
        }
        idx
    }

    /// For every feature of the dense layer, in PyTorch's flattening of the
    /// last maps `[channels, side, side]`, its index in the channels-last maps.
    pub fn flatten_order(&self) -> Vec<usize> {
        let side = self.side_at(self.channels.len());
        let c = self.channels.last().copied().unwrap_or(1);
        (0..c)
            .flat_map(|ch| (0..side * side).map(move |p| p * c + ch))
            .collect()
    }

    /// The image side at the input of block `b` (0-based; `channels.len()`
    /// gives the side after the last block).
    pub fn side_at(&self, b: usize) -> usize {
        self.sides()[b]
    }

    /// Multiply-adds of each layer for one image: output positions times
    /// the layer's matrix (one position for the dense layer).
    pub fn layer_multiply_adds(&self, classes: usize) -> Vec<f64> {
        (self.layer_shapes(classes).iter().enumerate())
            .map(|(l, &(n_in, n_out))| {
                let positions = match l < self.channels.len() {
                    true => (self.side_at(l) - self.kernel + 1).pow(2),
                    false => 1,
                };
                (positions * n_in * n_out) as f64
            })
            .collect()
    }

    /// `(n_in, n_out)` of every layer for `classes` outputs: the kernels in
    /// their bipartite view, then the dense layer.
    pub fn layer_shapes(&self, classes: usize) -> Vec<(usize, usize)> {
        let ins = std::iter::once(1).chain(self.channels.iter().copied());
        ins.zip(&self.channels)
            .map(|(c_in, &c_out)| (c_in * self.kernel * self.kernel, c_out))
            .chain(std::iter::once((self.features(), classes)))
            .collect()
    }
}

impl Architecture {
    /// The kind of this architecture.
    pub fn kind(&self) -> ArchitectureKind {
        match self {
            Architecture::Mlp => ArchitectureKind::Mlp,
            Architecture::Cnn(_) => ArchitectureKind::Cnn,
            Architecture::Vit(_) => ArchitectureKind::Vit,
        }
    }

    /// Whether this is an MLP (the wiring every file assumes unless told otherwise).
    pub fn is_mlp(&self) -> bool {
        matches!(self, Architecture::Mlp)
    }

    /// The name of layer `l` of `depth` layers (see [`ArchitectureKind::layer_name`]).
    pub fn layer_name(&self, l: usize, depth: usize) -> String {
        self.kind().layer_name(l, depth)
    }

    /// Input features of a network of this architecture, when the wiring
    /// fixes them (an MLP's are its first layer's).
    pub fn input_dim(&self) -> Option<usize> {
        match self {
            Architecture::Mlp => None,
            Architecture::Cnn(s) => Some(s.side * s.side),
            Architecture::Vit(s) => Some(s.side * s.side),
        }
    }

    /// Whether layer `l` of `depth` has a bias (all but a ViT's positional
    /// embeddings do).
    pub fn has_bias(&self, l: usize, depth: usize) -> bool {
        !(matches!(self, Architecture::Vit(_)) && l == vit_shape::POS_EMBED && l + 1 < depth)
    }

    /// The LayerNorms' names, in order (a ViT's; none otherwise).
    pub fn norm_names(&self) -> Vec<String> {
        match self {
            Architecture::Vit(s) => s.norm_names(),
            _ => Vec::new(),
        }
    }

    /// The shape in labels (`cnn 8-16 5x5`, `vit 2x32 7x7`); `None` for an
    /// MLP, labelled by its sizes.
    pub fn label(&self) -> Option<String> {
        match self {
            Architecture::Mlp => None,
            Architecture::Cnn(s) => Some(s.label()),
            Architecture::Vit(s) => Some(s.label()),
        }
    }

    /// Checks the shape's keys against each other and the image (an MLP has none).
    pub fn check(&self) -> Result<(), ShapeError> {
        match self {
            Architecture::Mlp => Ok(()),
            Architecture::Cnn(s) => s.check(),
            Architecture::Vit(s) => s.check(),
        }
    }

    /// Checks that `shapes` (each layer's `(n_in, n_out)`) are this
    /// architecture's layers.
    pub fn check_layers(&self, shapes: &[(usize, usize)]) -> Result<(), ShapeError> {
        self.check()?;
        let classes = shapes.last().map_or(0, |l| l.1);
        let expected = match self {
            Architecture::Mlp => return Ok(()),
            Architecture::Cnn(s) => s.layer_shapes(classes),
            Architecture::Vit(s) => s.layer_shapes(classes),
        };
        if expected != shapes {
            return Err(ShapeError::new(
                "layers",
                format!("{shapes:?}"),
                format!("this {} has layers {expected:?} (inputs x outputs)", self.kind()),
            ));
        }
        Ok(())
    }

    /// Multiply-adds of the forward pass of one example, layer by layer
    /// (an MLP's: its weights), for `classes` outputs; `shapes` are its layers'.
    pub fn layer_multiply_adds(&self, shapes: &[(usize, usize)]) -> Vec<f64> {
        let classes = shapes.last().map_or(0, |s| s.1);
        match self {
            Architecture::Mlp => shapes.iter().map(|&(i, o)| (i * o) as f64).collect(),
            Architecture::Cnn(s) => s.layer_multiply_adds(classes),
            Architecture::Vit(s) => s.layer_multiply_adds(classes),
        }
    }

    /// The side of a square image of `pixels` pixels.
    pub fn square_side(pixels: usize) -> Result<usize, ShapeError> {
        let side = (pixels as f64).sqrt().round() as usize;
        if side * side != pixels {
            return Err(ShapeError::new(
                "architecture",
                "cnn, vit",
                format!("a CNN or a ViT needs square images; the data has {pixels} inputs"),
            ));
        }
        Ok(side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenet() -> ConvShape {
        ConvShape {
            side: 28,
            channels: vec![8, 16],
            kernel: 5,
        }
    }

    #[test]
    fn the_lenet_shape_of_the_paper_tasks() {
        let s = lenet();
        s.check().unwrap();
        assert_eq!(s.sides(), [28, 12, 4]);
        assert_eq!(s.features(), 256);
        assert_eq!(s.layer_shapes(2), [(25, 8), (200, 16), (256, 2)]);
        assert_eq!(s.label(), "cnn 8-16 5x5");
        let cnn = Architecture::Cnn(s);
        assert_eq!(cnn.layer_name(0, 3), "conv1");
        assert_eq!(cnn.layer_name(2, 3), "fc");
        assert!(cnn.check_layers(&[(25, 8), (200, 16), (256, 2)]).is_ok());
        let err = cnn.check_layers(&[(25, 8), (200, 16), (255, 2)]).unwrap_err();
        assert!(err.to_string().contains("(256, 2)"), "{err}");
    }

    #[test]
    fn shapes_that_do_not_fit_the_image_are_named() {
        let big = ConvShape { kernel: 13, ..lenet() };
        assert!(big.check().unwrap_err().to_string().starts_with("kernel = 13: block 2"));
        let none = ConvShape {
            channels: vec![],
            ..lenet()
        };
        assert!(none.check().unwrap_err().to_string().starts_with("channels = []"));
        let zero = ConvShape {
            channels: vec![8, 0],
            ..lenet()
        };
        assert!(zero.check().is_err());
        assert!(Architecture::square_side(784).is_ok());
        assert!(Architecture::square_side(785).unwrap_err().to_string().contains("785"));
        assert_eq!("cnn".parse::<ArchitectureKind>(), Ok(ArchitectureKind::Cnn));
        assert!(
            "lstm"
                .parse::<ArchitectureKind>()
                .unwrap_err()
                .to_string()
                .contains("mlp")
        );
    }
}
