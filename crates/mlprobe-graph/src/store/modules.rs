//! Networks whose layers are found by name: the PyTorch modules of an
//! [`Architecture`] (a CNN's `conv1.weight` `[out, in, k, k]`, `conv1.bias`,
//! ..., `fc.weight` `[classes, features]`, `fc.bias`; a ViT's
//! `patch_embed.weight`, `pos_embed` `[tokens, dim]`, `blocks.0.attn.q.weight`,
//! ..., `blocks.0.ln1.weight`, ..., `ln.weight`, `head.weight`), as mlprobe
//! writes them and as `save_file(model.state_dict(), path)` gives them.

use std::path::Path;

use safetensors::SafeTensors;

use crate::activation::Activation;
use crate::architecture::{Architecture, ArchitectureKind, ConvShape, ShapeError};
use crate::errors::StoreError;
use crate::store::pytorch::{open, values};
use crate::vit_shape::VitShape;
use crate::weights::{Layer, Norm, WeightStack};

/// How one probed matrix is stored: its weight tensor's name, whether a
/// bias goes with it (`{module}.bias`), and its PyTorch shape.
pub(crate) struct Stored {
    /// The weight tensor's name: `{module}.weight`, or the parameter's own
    /// name for a ViT's positional embeddings.
    pub(crate) weight: String,
    /// The bias tensor's name, where the matrix has one.
    pub(crate) bias: Option<String>,
    /// A kernel's side (`[out, in, k, k]`); `None` for a dense weight.
    pub(crate) kernel: Option<usize>,
    /// Whether the tensor holds the matrix as `[n_in, n_out]` (a ViT's
    /// positional embeddings, tokens x features) rather than PyTorch's
    /// `[n_out, n_in]`.
    pub(crate) as_is: bool,
}

/// How every layer of a network of `architecture` (`depth` layers) is stored
/// under its module names.
pub(crate) fn stored(architecture: &Architecture, depth: usize) -> Vec<Stored> {
    (0..depth)
        .map(|l| {
            let module = architecture.layer_name(l, depth);
            let kernel = match architecture {
                Architecture::Cnn(s) if l + 1 < depth => Some(s.kernel),
                _ => None,
            };
            let has_bias = architecture.has_bias(l, depth);
            Stored {
                weight: if has_bias {
                    format!("{module}.weight")
                } else {
                    module.clone()
                },
                bias: has_bias.then(|| format!("{module}.bias")),
                kernel,
                as_is: !has_bias,
            }
        })
        .collect()
}

impl Stored {
    /// The layer's weight as this tensor holds it: its values and shape.
    pub(crate) fn encode(&self, layer: &Layer) -> (Vec<f32>, Vec<usize>) {
        match self.kernel {
            _ if self.as_is => (layer.weights.clone(), vec![layer.n_in, layer.n_out]),
            Some(k) => (layer.out_in(), vec![layer.n_out, layer.n_in / (k * k), k, k]),
            None => (layer.out_in(), vec![layer.n_out, layer.n_in]),
        }
    }

    /// `(n_in, n_out)` of a weight tensor of this `shape`, or why it is not one.
    fn decode_shape(&self, shape: &[usize]) -> Result<(usize, usize), String> {
        let bad = |expected: String| Err(format!("shape {shape:?}: expected {expected}"));
        match (self.kernel, shape) {
            (_, &[.., 0]) | (_, &[0, ..]) => bad("no zero dimension".into()),
            (_, &[t, d]) if self.as_is => Ok((t, d)),
            (_, &[1, t, d]) if self.as_is => Ok((t, d)),
            _ if self.as_is => bad("[tokens, features]".into()),
            (Some(k), &[out, c, kh, kw]) if kh == k && kw == k => Ok((c * k * k, out)),
            (Some(k), _) => bad(format!("a kernel [out, in, {k}, {k}]")),
            (None, &[out, inp]) => Ok((inp, out)),
            (None, _) => bad("a 2-D weight [out, in]".into()),
        }
    }
}

/// The shape of the CNN whose kernels `bytes` holds (`conv1.weight`,
/// `conv2.weight`, ... `[out, in, k, k]`, as PyTorch saves them) on square
/// images of side `side`; `path` is named in errors.
pub fn conv_shape_of(bytes: &[u8], path: &Path, side: usize) -> Result<ConvShape, StoreError> {
    let (tensors, _) = open(bytes, path)?;
    let (mut channels, mut kernel) = (Vec::new(), None);
    while let Ok(view) = tensors.tensor(&format!("conv{}.weight", channels.len() + 1)) {
        match view.shape() {
            &[out, _, kh, kw] if kh == kw && kernel.is_none_or(|k| k == kh) => {
                channels.push(out);
                kernel = Some(kh);
            }
            shape => {
                return Err(StoreError::Shape {
                    path: path.to_path_buf(),
                    tensor: format!("conv{}.weight", channels.len() + 1),
                    reason: format!("shape {shape:?}: expected [out, in, k, k] with the kernel side of conv1"),
                });
            }
        }
    }
    let Some(kernel) = kernel else {
        return Err(StoreError::Format {
            path: path.to_path_buf(),
            reason: "no tensor `conv1.weight`: not a CNN of mlprobe's family (conv1, conv2, ..., fc)".into(),
        });
    };
    Ok(ConvShape { side, channels, kernel })
}

/// The shape of the ViT whose matrices `bytes` holds (`patch_embed.weight`
/// `[dim, patch * patch]`, `blocks.{b}.ff1.weight` `[ff, dim]`, ... as
/// PyTorch saves them) on square images of side `side`, with `heads`
/// attention heads (which the weights do not tell); `path` is named in errors.
pub fn vit_shape_of(bytes: &[u8], path: &Path, side: usize, heads: usize) -> Result<VitShape, StoreError> {
    let (tensors, _) = open(bytes, path)?;
    let shape_of = |name: &str| tensors.tensor(name).ok().map(|v| v.shape().to_vec());
    let missing = |name: &str| StoreError::Format {
        path: path.to_path_buf(),
        reason: format!(
            "no tensor `{name}`: not a ViT of mlprobe's family (patch_embed, pos_embed, blocks.*, ln, head)"
        ),
    };
    let (dim, pixels) = match shape_of("patch_embed.weight").as_deref() {
        Some(&[d, p]) => (d, p),
        Some(other) => {
            return Err(StoreError::Shape {
                path: path.to_path_buf(),
                tensor: "patch_embed.weight".into(),
                reason: format!("shape {other:?}: expected [dim, patch * patch]"),
            });
        }
        None => return Err(missing("patch_embed.weight")),
    };
    let patch = (pixels as f64).sqrt().round() as usize;
    let blocks = (0..)
        .take_while(|b| shape_of(&format!("blocks.{b}.ff1.weight")).is_some())
        .count();
    let ff = match shape_of("blocks.0.ff1.weight").as_deref() {
        Some(&[f, _]) => f,
        _ => return Err(missing("blocks.0.ff1.weight")),
    };
    let shape = VitShape {
        side,
        patch,
        dim,
        heads,
        blocks,
        ff,
    };
    shape.check().map_err(|e| StoreError::Shape {
        path: path.to_path_buf(),
        tensor: "patch_embed.weight".into(),
        reason: e.to_string(),
    })?;
    Ok(shape)
}

/// Reads the network of `architecture` from safetensors `bytes`, each layer
/// (and LayerNorm) by its module name, with what was converted on the way
/// (one note per tensor not stored as `f32`); `path` is named in errors.
pub fn read_modules(
    bytes: &[u8],
    path: &Path,
    architecture: &Architecture,
    activation: Activation,
) -> Result<(WeightStack, Vec<String>), StoreError> {
    let (tensors, _) = open(bytes, path)?;
    let depth = match architecture {
        Architecture::Mlp => {
            return Err(StoreError::Format {
                path: path.to_path_buf(),
                reason: "an MLP's layers are found by shape, not by name".into(),
            });
        }
        Architecture::Cnn(s) => s.channels.len() + 1,
        Architecture::Vit(s) => s.matrices(),
    };
    let mut reader = Reader {
        tensors,
        path,
        kind: architecture.kind(),
        notes: Vec::new(),
    };
    let (mut layers, mut names) = (Vec::new(), Vec::new());
    for stored in stored(architecture, depth) {
        let (shape, weights) = reader.tensor(&stored.weight)?;
        let (n_in, n_out) = stored
            .decode_shape(&shape)
            .map_err(|reason| reader.shape(&stored.weight, reason))?;
        let bias = match &stored.bias {
            Some(name) => reader.vector(name, n_out)?,
            None => Vec::new(),
        };
        layers.push(match stored.as_is {
            true => Layer::new(n_in, n_out, weights, bias),
            false => Layer::from_out_in(n_in, n_out, &weights, bias),
        });
        names.push(stored.weight);
    }
    let width = layers[0].n_out;
    let norms = (architecture.norm_names().iter())
        .map(|name| {
            let gain = reader.vector(&format!("{name}.weight"), width)?;
            let bias = reader.vector(&format!("{name}.bias"), width)?;
            Ok(Norm { gain, bias })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let shape_error = |e: ShapeError| StoreError::Shape {
        path: path.to_path_buf(),
        tensor: names.join(", "),
        reason: e.to_string(),
    };
    let net = WeightStack::with_architecture(architecture.clone(), activation, layers)
        .and_then(|net| net.with_norms(norms))
        .map_err(shape_error)?;
    Ok((net, reader.notes))
}

/// Reads named tensors of one file, gathering the conversion notes.
struct Reader<'a> {
    tensors: SafeTensors<'a>,
    path: &'a Path,
    kind: ArchitectureKind,
    notes: Vec<String>,
}

impl Reader<'_> {
    /// The shape and values of tensor `name`.
    fn tensor(&mut self, name: &str) -> Result<(Vec<usize>, Vec<f32>), StoreError> {
        let view = self.tensors.tensor(name).map_err(|_| StoreError::Format {
            path: self.path.to_path_buf(),
            reason: format!("no tensor `{name}`: not a {} of this shape", self.kind),
        })?;
        let (values, note) = values(self.path, name, &view)?;
        self.notes.extend(note);
        Ok((view.shape().to_vec(), values))
    }

    /// The values of the vector `name`, which must hold `len`.
    fn vector(&mut self, name: &str, len: usize) -> Result<Vec<f32>, StoreError> {
        let (shape, values) = self.tensor(name)?;
        if shape != [len] {
            return Err(self.shape(name, format!("shape {shape:?}: expected [{len}]")));
        }
        Ok(values)
    }

    fn shape(&self, tensor: &str, reason: String) -> StoreError {
        StoreError::Shape {
            path: self.path.to_path_buf(),
            tensor: tensor.to_string(),
            reason,
        }
    }
}
