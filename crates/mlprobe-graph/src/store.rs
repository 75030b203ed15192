//! Storing trained networks.
//!
//! **Model file** (`.mlpm`), written atomically:
//! 1. the line `mlprobe-model 1`;
//! 2. one line of JSON: `{"activation": "relu", "sizes": [784, 64, 2], "meta": {..}}`,
//!    where `meta` is free-form (the runner stores the training configuration,
//!    seed and accuracy there);
//! 3. for each layer, its weights as little-endian `f32`, row-major
//!    `[n_in, n_out]` (input node `j` to output node `i` at `j * n_out + i`),
//!    then its `n_out` biases.
//!
//! **Edge list** (the reference implementation's text format, one per layer):
//! a header line `n_in n_out`, then one line `L{l}_{j} L{l+1}_{i} {w:.6f}` per
//! non-zero weight. Biases are not part of it.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::errors::{EdgeListError, StoreError};
use crate::weights::{Layer, WeightStack};

const MAGIC: &str = "mlprobe-model 1";

#[derive(Serialize, Deserialize)]
struct Header {
    activation: Activation,
    sizes: Vec<usize>,
    meta: serde_json::Value,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// then a rename, so a reader sees the old file or the new one, never half.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Encodes a network and its metadata in the model file format.
pub fn encode_model(net: &WeightStack, meta: &serde_json::Value) -> Vec<u8> {
    let header = Header {
        activation: net.activation,
        sizes: net.sizes(),
        meta: meta.clone(),
    };
    let mut out = format!(
        "{MAGIC}\n{}\n",
        serde_json::to_string(&header).expect("JSON of plain data")
    )
    .into_bytes();
    for layer in &net.layers {
        for v in layer.weights.iter().chain(&layer.bias) {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Decodes a model file; `path` is only used in error messages.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<(WeightStack, serde_json::Value), StoreError> {
    let bad = |reason: String| StoreError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let mut lines = bytes.splitn(3, |&b| b == b'\n');
    let magic = lines.next().unwrap_or_default();
    if magic != MAGIC.as_bytes() {
        return Err(bad(format!("does not start with `{MAGIC}`")));
    }
    let header: Header =
        serde_json::from_slice(lines.next().unwrap_or_default()).map_err(|e| bad(format!("header: {e}")))?;
    let data = lines.next().unwrap_or_default();
    if header.sizes.len() < 2 || header.sizes.contains(&0) {
        return Err(bad(format!("layer sizes {:?}", header.sizes)));
    }
    let expected: usize = header.sizes.windows(2).map(|w| (w[0] * w[1] + w[1]) * 4).sum();
    if data.len() != expected {
        return Err(bad(format!(
            "{} data bytes, sizes {:?} need {expected}",
            data.len(),
            header.sizes
        )));
    }
    let mut values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    let layers = header
        .sizes
        .windows(2)
        .map(|w| {
            let weights = values.by_ref().take(w[0] * w[1]).collect();
            let bias = values.by_ref().take(w[1]).collect();
            Layer::new(w[0], w[1], weights, bias)
        })
        .collect();
    Ok((WeightStack::new(header.activation, layers), header.meta))
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

/// The edge list of layer `l` (0 for the first) in the reference's format.
pub fn edge_list(layer: &Layer, l: usize) -> String {
    let mut out = format!("{} {}\n", layer.n_in, layer.n_out);
    for j in 0..layer.n_in {
        for i in 0..layer.n_out {
            let w = layer.weight(j, i);
            if w != 0.0 {
                out.push_str(&format!("L{l}_{j} L{}_{i} {w:.6}\n", l + 1));
            }
        }
    }
    out
}

/// Parses an edge list in the reference's format into a layer with zero biases;
/// missing edges are zero weights.
pub fn parse_edge_list(text: &str) -> Result<Layer, EdgeListError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or(EdgeListError::Empty)?;
    let bad_header = || EdgeListError::Header(header.to_string());
    let dims: Vec<usize> = header
        .split_whitespace()
        .map(|t| t.parse().map_err(|_| bad_header()))
        .collect::<Result<_, _>>()?;
    let [n_in, n_out] = dims[..] else {
        return Err(bad_header());
    };
    let mut weights = vec![0.0f32; n_in * n_out];
    for (no, line) in lines {
        let err = || EdgeListError::Line {
            line: no + 1,
            text: line.to_string(),
        };
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [from, to, w] = parts[..] else { return Err(err()) };
        let node = |s: &str| s.rsplit_once('_').and_then(|(_, n)| n.parse::<usize>().ok());
        let (j, i) = (node(from).ok_or_else(err)?, node(to).ok_or_else(err)?);
        let w: f32 = w.parse().map_err(|_| err())?;
        if j >= n_in || i >= n_out {
            return Err(EdgeListError::OutOfRange {
                line: no + 1,
                from: j,
                to: i,
                n_in,
                n_out,
            });
        }
        weights[j * n_out + i] = w;
    }
    Ok(Layer::new(n_in, n_out, weights, vec![0.0; n_out]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net() -> WeightStack {
        WeightStack::new(
            Activation::Tanh,
            vec![
                Layer::new(3, 2, vec![0.5, -0.25, 0.0, 1.5, -2.0, 0.125], vec![0.1, -0.1]),
                Layer::new(2, 2, vec![1.0, 2.0, 3.0, 4.0], vec![0.0, 5.0]),
            ],
        )
    }

    #[test]
    fn model_file_round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/m.mlpm");
        let meta = serde_json::json!({"seed": 4});
        save_model(&path, &net(), &meta).unwrap();
        let (back, m) = load_model(&path).unwrap();
        assert_eq!(back, net());
        assert_eq!(m, meta);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        let err = decode_model(&bytes, &path).unwrap_err().to_string();
        assert!(err.contains("data bytes"), "{err}");
        let err = decode_model(b"hello\n{}\n", &path).unwrap_err().to_string();
        assert!(err.contains("does not start with"), "{err}");
        // Only the final file is left in the folder.
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn edge_list_round_trip() {
        let layer = &net().layers[0];
        let text = edge_list(layer, 0);
        assert!(
            text.starts_with("3 2\nL0_0 L1_0 0.500000\nL0_0 L1_1 -0.250000\nL0_1 L1_1 1.500000\n"),
            "{text}"
        );
        let back = parse_edge_list(&text).unwrap();
        assert_eq!(back.weights, layer.weights);
        assert!(parse_edge_list("3 2\nL0_7 L1_0 1.0\n").is_err());
        assert!(parse_edge_list("3\n").is_err());
    }
}
