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
//! (`conv1.weight` `[out, in, k, k]`, ..., `fc.weight` for a CNN;
//! `patch_embed.weight`, `pos_embed`, ..., `head.weight` and the LayerNorms
//! for a ViT; see [`read_modules`]).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::serialize;
use safetensors::tensor::{Dtype, TensorView};

use crate::activation::Activation;
use crate::architecture::Architecture;
use crate::errors::StoreError;
use crate::store::atomic::atomic_write;
use crate::store::modules::{read_modules, stored};
use crate::store::pytorch::read_safetensors;
use crate::weights::WeightStack;

/// The `format` entry of a model file's metadata.
pub const MODEL_FORMAT: &str = "mlprobe-model-2";

/// SHA-256 of the network's values, layer by layer, weights then biases,
/// then the LayerNorms' gains and biases.
fn checksum(net: &WeightStack) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for layer in &net.layers {
        for v in layer.weights.iter().chain(&layer.bias) {
            hash.update(v.to_le_bytes());
        }
    }
    for norm in &net.norms {
        for v in norm.gain.iter().chain(&norm.bias) {
            hash.update(v.to_le_bytes());
        }
    }
    format!("{:x}", hash.finalize())
}

/// The metadata entry that says how a network other than an MLP is wired
/// (JSON of [`Architecture`]); an MLP's file has none.
pub const ARCHITECTURE_KEY: &str = "architecture";

/// The names of an MLP's layer `l`'s tensors: `nn.Sequential`'s.
fn mlp_names(l: usize) -> (String, String) {
    (format!("{}.weight", 2 * l), format!("{}.bias", 2 * l))
}

/// Every tensor of `net`: name, little-endian `f32` bytes, shape.
fn tensors_of(net: &WeightStack) -> Vec<(String, Vec<u8>, Vec<usize>)> {
    let bytes = |values: &[f32]| values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
    let mut tensors = Vec::new();
    if net.architecture.is_mlp() {
        for (l, layer) in net.layers.iter().enumerate() {
            let (w, b) = mlp_names(l);
            tensors.push((w, bytes(&layer.out_in()), vec![layer.n_out, layer.n_in]));
            tensors.push((b, bytes(&layer.bias), vec![layer.n_out]));
        }
        return tensors;
    }
    for (layer, stored) in net.layers.iter().zip(stored(&net.architecture, net.layers.len())) {
        let (values, shape) = stored.encode(layer);
        tensors.push((stored.weight, bytes(&values), shape));
        if let Some(b) = stored.bias {
            tensors.push((b, bytes(&layer.bias), vec![layer.n_out]));
        }
    }
    for (name, norm) in net.architecture.norm_names().iter().zip(&net.norms) {
        tensors.push((format!("{name}.weight"), bytes(&norm.gain), vec![norm.gain.len()]));
        tensors.push((format!("{name}.bias"), bytes(&norm.bias), vec![norm.bias.len()]));
    }
    tensors
}

/// Encodes a network and its metadata as a model file.
pub fn encode_model(net: &WeightStack, meta: &serde_json::Value) -> Vec<u8> {
    let tensors = tensors_of(net);
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
    let (net, notes) = if architecture.is_mlp() {
        let layers: Vec<String> = (0..sizes.len() - 1).map(|l| mlp_names(l).0).collect();
        let imported = read_safetensors(bytes, path, sizes[0], sizes.last().copied(), Some(&layers))?;
        let net = WeightStack::with_architecture(Architecture::Mlp, activation, imported.layers)
            .map_err(|e| bad(e.to_string()))?;
        (net, imported.notes)
    } else {
        read_modules(bytes, path, &architecture, activation)?
    };
    if checksum(&net) != *entry("checksum")? {
        return Err(bad("checksum mismatch: the weights are damaged".to_string()));
    }
    if net.sizes() != sizes || !notes.is_empty() {
        return Err(bad(format!(
            "tensors do not match the sizes {sizes:?} of its metadata: {}",
            notes.join("; ")
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

    #[test]
    fn a_vit_is_stored_under_its_module_names_with_its_layer_norms() {
        let shape = crate::VitShape {
            side: 8,
            patch: 4,
            dim: 6,
            heads: 2,
            blocks: 1,
            ff: 5,
        };
        let arch = Architecture::Vit(shape);
        let mut vit = crate::initial_network(&arch, Activation::Relu, 3, &mut crate::probe_rng(1));
        vit.norms[1].gain[2] = 0.5;
        vit.norms[2].bias[0] = -0.25;
        let bytes = encode_model(&vit, &serde_json::Value::Null);
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.tensor("patch_embed.weight").unwrap().shape(), [6, 16]);
        assert_eq!(st.tensor("pos_embed").unwrap().shape(), [4, 6]);
        assert!(st.tensor("pos_embed.bias").is_err());
        assert_eq!(st.tensor("blocks.0.attn.q.weight").unwrap().shape(), [6, 6]);
        assert_eq!(st.tensor("blocks.0.ff1.weight").unwrap().shape(), [5, 6]);
        assert_eq!(st.tensor("blocks.0.ln2.weight").unwrap().shape(), [6]);
        assert_eq!(st.tensor("ln.bias").unwrap().shape(), [6]);
        assert_eq!(st.tensor("head.weight").unwrap().shape(), [3, 6]);
        let (back, _) = decode_model(&bytes, Path::new("m")).unwrap();
        assert_eq!(back, vit);
        // A damaged LayerNorm (its tensor bytes changed, the header kept) is a damaged model.
        let mut damaged = vit.clone();
        damaged.norms[0].gain[0] = 2.0;
        let other = encode_model(&damaged, &serde_json::Value::Null);
        assert_eq!(other.len(), bytes.len());
        let data = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut mixed = bytes.clone();
        mixed[data..].copy_from_slice(&other[data..]);
        assert_ne!(mixed, bytes);
        let err = decode_model(&mixed, Path::new("m")).unwrap_err().to_string();
        assert!(err.contains("checksum"), "{err}");
    }
}
