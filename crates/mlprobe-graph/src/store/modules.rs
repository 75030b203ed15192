//! Networks whose layers are found by name: the PyTorch modules of an
//! [`Architecture`] (`conv1.weight` `[out, in, k, k]`, `conv1.bias`, ...,
//! `fc.weight` `[classes, features]`, `fc.bias`), as mlprobe writes them and
//! as `torch.save(model.state_dict())` converted to safetensors gives them.

use std::path::Path;

use crate::activation::Activation;
use crate::architecture::{Architecture, ConvShape};
use crate::errors::StoreError;
use crate::store::pytorch::{Imported, open, values};
use crate::weights::{Layer, WeightStack};

/// A layer's weight in PyTorch's order and shape: `[n_out, n_in]` for a
/// dense layer, `[n_out, in, k, k]` for a kernel of side `kernel`.
pub(crate) fn to_out_in(layer: &Layer, kernel: Option<usize>) -> (Vec<f32>, Vec<usize>) {
    let shape = match kernel {
        Some(k) => vec![layer.n_out, layer.n_in / (k * k), k, k],
        None => vec![layer.n_out, layer.n_in],
    };
    (layer.out_in(), shape)
}

/// The side of each layer's kernel (`None` for a dense layer).
pub(crate) fn kernels(architecture: &Architecture, depth: usize) -> Vec<Option<usize>> {
    match architecture {
        Architecture::Mlp => vec![None; depth],
        Architecture::Cnn(s) => (0..depth).map(|l| (l + 1 < depth).then_some(s.kernel)).collect(),
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

/// Reads the network of `architecture` from safetensors `bytes`, each layer
/// by its module name; `path` is named in errors.
pub fn read_modules(
    bytes: &[u8],
    path: &Path,
    architecture: &Architecture,
    activation: Activation,
) -> Result<Imported, StoreError> {
    let format = |reason: String| StoreError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let (tensors, metadata) = open(bytes, path)?;
    let depth = match architecture {
        Architecture::Mlp => return Err(format("an MLP's layers are found by shape, not by name".into())),
        Architecture::Cnn(s) => s.channels.len() + 1,
    };
    let (mut layers, mut names, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for (l, kernel) in kernels(architecture, depth).into_iter().enumerate() {
        let module = architecture.layer_name(l, depth);
        let tensor = |suffix: &str| {
            let name = format!("{module}.{suffix}");
            let view = tensors.tensor(&name).map_err(|_| {
                format(format!(
                    "no tensor `{name}`: not a {} of this shape",
                    architecture.kind()
                ))
            })?;
            let shape = view.shape().to_vec();
            let (v, note) = values(path, &name, &view)?;
            Ok::<_, StoreError>((name, shape, v, note))
        };
        let (name, shape, weights, note) = tensor("weight")?;
        let rank = if kernel.is_some() { 4 } else { 2 };
        let square = kernel.is_none_or(|k| shape.len() == 4 && shape[2..] == [k, k]);
        if shape.len() != rank || shape[0] == 0 || !square {
            return Err(StoreError::Shape {
                path: path.to_path_buf(),
                tensor: name,
                reason: match kernel {
                    Some(k) => format!("shape {shape:?}: expected a kernel [out, in, {k}, {k}]"),
                    None => format!("shape {shape:?}: expected a 2-D weight [out, in]"),
                },
            });
        }
        let n_out = shape[0];
        let (_, bias_shape, bias, bias_note) = tensor("bias")?;
        if bias_shape != [n_out] {
            return Err(StoreError::Shape {
                path: path.to_path_buf(),
                tensor: format!("{module}.bias"),
                reason: format!("shape {bias_shape:?}: expected [{n_out}]"),
            });
        }
        notes.extend(note.into_iter().chain(bias_note));
        let n_in = weights.len() / n_out;
        layers.push(Layer::from_out_in(n_in, n_out, &weights, bias));
        names.push(name);
    }
    let net =
        WeightStack::with_architecture(architecture.clone(), activation, layers).map_err(|e| StoreError::Shape {
            path: path.to_path_buf(),
            tensor: names.join(", "),
            reason: e.to_string(),
        })?;
    Ok(Imported {
        layers: net.layers,
        names,
        notes,
        metadata,
    })
}
