//! mlprobe's model files: safetensors in the layout of PyTorch's
//! `nn.Sequential(nn.Linear, activation, nn.Linear, ...)`.
//!
//! Layer `l` is stored as `{2l}.weight` (`[n_out, n_in]`, `f32`) and
//! `{2l}.bias` (`[n_out]`), the names `nn.Sequential` gives its linear
//! layers when an activation module sits between them, so that
//! `model.load_state_dict(safetensors.torch.load_file(path))` loads it. The
//! metadata map holds `format` ([`MODEL_FORMAT`]), `activation`, `sizes`
//! (JSON, e.g. `[784,64,2]`), `meta` (free-form JSON: the runner stores
//! the seed, the training configuration and the loss curve there) and
//! `checksum`, the SHA-256 of the weights and biases (each layer's weights in
//! `[n_in, n_out]` order, then its biases, little-endian `f32`), so that a
//! damaged file is recognised even where its structure survived. The
//! header's entries are written in sorted order, so that one network and
//! its metadata always make the same bytes.
//!
//! A network other than an MLP also has `architecture` ([`ARCHITECTURE_KEY`],
//! JSON of [`Architecture`]) and its tensors under its PyTorch module names
//! (`conv1.weight` `[out, in, k, k]`, ..., `fc.weight`; see [`read_modules`]).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::serialize;
use safetensors::tensor::{Dtype, TensorView};

use crate::activation::Activation;
use crate::architecture::Architecture;
use crate::errors::StoreError;
use crate::store::atomic::atomic_write;
use crate::store::modules::{kernels, read_modules, to_out_in};
use crate::store::pytorch::read_safetensors;
use crate::weights::WeightStack;

/// The `format` entry of a model file's metadata.
pub const MODEL_FORMAT: &str = "mlprobe-model-2";

/// SHA-256 of the network's values, layer by layer, weights then biases.
fn checksum(net: &WeightStack) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for layer in &net.layers {
        for v in layer.weights.iter().chain(&layer.bias) {
            hash.update(v.to_le_bytes());
        }
    }
    format!("{:x}", hash.finalize())
}

/// The metadata entry that says how a network other than an MLP is wired
/// (JSON of [`Architecture`]); an MLP's file has none.
pub const ARCHITECTURE_KEY: &str = "architecture";

/// The names of layer `l`'s tensors: `nn.Sequential`'s for an MLP, the
/// module names otherwise.
fn names(architecture: &Architecture, l: usize, depth: usize) -> (String, String) {
    let module = match architecture {
        Architecture::Mlp => (2 * l).to_string(),
        other => other.layer_name(l, depth),
    };
    (format!("{module}.weight"), format!("{module}.bias"))
}

/// Encodes a network and its metadata as a model file.
pub fn encode_model(net: &WeightStack, meta: &serde_json::Value) -> Vec<u8> {
    let depth = net.layers.len();
    let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
    for ((l, layer), kernel) in net.layers.iter().enumerate().zip(kernels(&net.architecture, depth)) {
        let (w, b) = names(&net.architecture, l, depth);
        let (values, shape) = to_out_in(layer, kernel);
        tensors.push((w, values.iter().flat_map(|v| v.to_le_bytes()).collect(), shape));
        let bias = layer.bias.iter().flat_map(|v| v.to_le_bytes()).collect();
        tensors.push((b, bias, vec![layer.n_out]));
    }
    let views = tensors.iter().map(|(name, bytes, shape)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("sizes match shapes");
        (name.clone(), view)
    });
    let mut metadata = HashMap::from([
        ("format".to_string(), MODEL_FORMAT.to_string()),
        ("activation".to_string(), net.activation.to_string()),
        (
            "sizes".to_string(),
            serde_json::to_string(&net.sizes()).expect("plain data"),
        ),
        ("meta".to_string(), meta.to_string()),
        ("checksum".to_string(), checksum(net)),
    ]);
    if !net.architecture.is_mlp() {
        let wiring = serde_json::to_string(&net.architecture).expect("plain data");
        metadata.insert(ARCHITECTURE_KEY.to_string(), wiring);
    }
    let bytes = serialize(views, Some(metadata)).expect("plain f32 tensors serialize");
    sorted_header(&bytes)
}

/// A safetensors file with the entries of its JSON header (and of the
/// metadata map within) in sorted order: safetensors writes the metadata
/// from a `HashMap`, in an order that changes from run to run. The tensor
/// bytes and their offsets (relative to the end of the header) stay as
/// they are; the header is padded with spaces to a multiple of 8 bytes, as
/// safetensors pads it.
fn sorted_header(bytes: &[u8]) -> Vec<u8> {
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let sorted: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        serde_json::from_slice(&bytes[8..8 + n]).expect("safetensors writes an object of objects");
    let mut json = serde_json::to_vec(&sorted).expect("plain data");
    json.resize(json.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + json.len() + bytes.len() - 8 - n);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&bytes[8 + n..]);
    out
}

/// Decodes a model file; `path` is only used in error messages.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<(WeightStack, serde_json::Value), StoreError> {
    let bad = |reason: String| StoreError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let (_, header) =
        safetensors::SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let info = header.metadata().clone().unwrap_or_default();
    let entry = |key: &str| {
        info.get(key)
            .ok_or_else(|| bad(format!("no `{key}` in its metadata: not written by mlprobe")))
    };
    if entry("format")? != MODEL_FORMAT {
        return Err(bad(format!("format `{}`, expected `{MODEL_FORMAT}`", entry("format")?)));
    }
    let activation: Activation = entry("activation")?.parse().map_err(|e| bad(format!("{e}")))?;
    let sizes: Vec<usize> = serde_json::from_str(entry("sizes")?).map_err(|e| bad(format!("sizes: {e}")))?;
    let meta: serde_json::Value = serde_json::from_str(entry("meta")?).map_err(|e| bad(format!("meta: {e}")))?;
    if sizes.len() < 2 {
        return Err(bad(format!("layer sizes {sizes:?}")));
    }
    let architecture: Architecture = match info.get(ARCHITECTURE_KEY) {
        Some(json) => serde_json::from_str(json).map_err(|e| bad(format!("{ARCHITECTURE_KEY}: {e}")))?,
        None => Architecture::Mlp,
    };
    let imported = if architecture.is_mlp() {
        let depth = sizes.len() - 1;
        let layers: Vec<String> = (0..depth).map(|l| names(&architecture, l, depth).0).collect();
        read_safetensors(bytes, path, sizes[0], sizes.last().copied(), Some(&layers))?
    } else {
        read_modules(bytes, path, &architecture, activation)?
    };
    let net =
        WeightStack::with_architecture(architecture, activation, imported.layers).map_err(|e| bad(e.to_string()))?;
    if checksum(&net) != *entry("checksum")? {
        return Err(bad("checksum mismatch: the weights are damaged".to_string()));
    }
    if net.sizes() != sizes || !imported.notes.is_empty() {
        return Err(bad(format!(
            "tensors do not match the sizes {sizes:?} of its metadata: {}",
            imported.notes.join("; ")
        )));
    }
    Ok((net, meta))
}

/// Saves a network with its metadata, atomically.
pub fn save_model(path: &Path, net: &WeightStack, meta: &serde_json::Value) -> Result<(), StoreError> {
    atomic_write(path, &encode_model(net, meta))
}

/// Loads a network saved by [`save_model`].
pub fn load_model(path: &Path) -> Result<(WeightStack, serde_json::Value), StoreError> {
    let bytes = std::fs::read(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_model(&bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::weights::example as net;

    #[test]
    fn model_file_round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/m.safetensors");
        let meta = serde_json::json!({"seed": 4});
        save_model(&path, &net(), &meta).unwrap();
        let (back, m) = load_model(&path).unwrap();
        assert_eq!(back, net());
        assert_eq!(m, meta);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        let err = decode_model(&bytes, &path).unwrap_err().to_string();
        assert!(err.contains("not a safetensors file"), "{err}");
        let err = decode_model(b"hello\n{}\n", &path).unwrap_err().to_string();
        assert!(err.contains("not a safetensors file"), "{err}");
        // One bit of the last bias flipped: the structure is intact, the checksum is not.
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let err = decode_model(&bytes, &path).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");
        // Only the final file is left in the folder.
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn one_network_always_makes_the_same_bytes() {
        let net = crate::initial_weights(&[5, 3, 2], Activation::Tanh, &mut crate::probe_rng(2));
        let meta = serde_json::json!({ "seed": 2, "note": "x" });
        let first = encode_model(&net, &meta);
        // Each encoding builds a new metadata map, with its own hash order.
        for _ in 0..20 {
            assert_eq!(encode_model(&net, &meta), first);
        }
        assert_eq!(decode_model(&first, Path::new("m")).unwrap(), (net, meta));
    }

    #[test]
    fn the_layout_is_pytorchs_sequential() {
        let bytes = encode_model(&net(), &serde_json::Value::Null);
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let mut names = st.names();
        names.sort();
        assert_eq!(names, ["0.bias", "0.weight", "2.bias", "2.weight"]);
        let w = st.tensor("0.weight").unwrap();
        assert_eq!(w.shape(), [2, 3]);
        // weight[o = 1][i = 0] is mlprobe's weight(0, 1) = -0.25.
        assert_eq!(&w.data()[12..16], &(-0.25f32).to_le_bytes());
        // Read as any PyTorch file, it is the same network.
        let any = read_safetensors(&bytes, Path::new("m"), 3, Some(2), None).unwrap();
        assert_eq!(any.layers, net().layers);
    }

    #[test]
    fn a_cnn_is_stored_under_its_module_names() {
        let shape = crate::ConvShape {
            side: 12,
            channels: vec![3, 4],
            kernel: 3,
        };
        let arch = Architecture::Cnn(shape);
        let cnn = crate::initial_network(&arch, Activation::Relu, 2, &mut crate::probe_rng(1));
        let bytes = encode_model(&cnn, &serde_json::Value::Null);
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("conv1.weight").unwrap().shape(), [3, 1, 3, 3]);
        assert_eq!(st.tensor("conv2.weight").unwrap().shape(), [4, 3, 3, 3]);
        assert_eq!(st.tensor("fc.weight").unwrap().shape(), [2, 4]);
        // PyTorch's weight[o][c][dy][dx] is mlprobe's weight((c * k + dy) * k + dx, o).
        let w = st.tensor("conv2.weight").unwrap().data();
        let at = |o: usize, i: usize| f32::from_le_bytes(w[4 * (o * 27 + i)..4 * (o * 27 + i) + 4].try_into().unwrap());
        assert_eq!(at(3, 14), cnn.layers[1].weight(14, 3));
        let (back, _) = decode_model(&bytes, Path::new("m")).unwrap();
        assert_eq!(back, cnn);
        // An MLP's bytes carry no architecture entry.
        let mlp = encode_model(&net(), &serde_json::Value::Null);
        let (_, header) = safetensors::SafeTensors::read_metadata(&mlp).unwrap();
        assert!(!header.metadata().as_ref().unwrap().contains_key(ARCHITECTURE_KEY));
    }
}
