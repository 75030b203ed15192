//! Storing and reading networks.
//!
//! - [`save_model`] / [`load_model`]: mlprobe's model files, safetensors in
//!   PyTorch's `nn.Sequential` layout (`0.weight`, `0.bias`, `2.weight`, ...,
//!   weights `[out, in]`) with the activation, layer sizes and free-form
//!   metadata in the safetensors metadata map, so that PyTorch opens them with
//!   `safetensors.torch.load_file`;
//! - [`read_safetensors`]: any MLP saved by PyTorch (`nn.Linear` weights
//!   `[out, in]`, biases beside them), its layers found by the chain of their
//!   shapes;
//! - [`read_modules`]: a CNN or a ViT by its PyTorch module names (`conv1`,
//!   ..., `fc`; `patch_embed`, ..., `head`), [`conv_shape_of`] and
//!   [`vit_shape_of`] their shapes from the tensors;
//! - [`edge_list`], [`parse_edge_list`], [`read_edge_lists`],
//!   [`write_edge_lists`]: the authors' per-layer text format;
//! - [`atomic_write`]: every file written whole or not at all.

mod atomic;
mod edge_list;
mod model_file;
mod modules;
mod natural;
mod pytorch;

pub use atomic::atomic_write;
pub use edge_list::{edge_list, parse_edge_list, read_edge_lists, write_edge_lists};
pub use model_file::{MODEL_FORMAT, decode_model, encode_model, load_model, save_model};
pub use modules::{conv_shape_of, read_modules, vit_shape_of};
pub use natural::natural_cmp;
pub use pytorch::{Imported, NamedValues, read_safetensors, read_tensors, safetensors_metadata};
