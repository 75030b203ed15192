//! The authors' edge lists, one text file per layer: a header line
//! `n_in n_out`, then one line `L{l}_{j} L{l+1}_{i} {w:.6f}` per non-zero
//! weight (input node `j` of layer `l` to output node `i`). Biases are not
//! part of them.

use std::path::{Path, PathBuf};

use crate::errors::{EdgeListError, StoreError};
use crate::store::atomic::atomic_write;
use crate::store::natural::natural_cmp;
use crate::store::pytorch::Imported;
use crate::weights::{Layer, WeightStack};

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

/// Most entries (`n_in * n_out`) of a layer read from an edge list.
pub const MAX_EDGES: usize = 50_000_000;

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
    // Found by fuzzing: `0 7777777777777777777` once passed as 0 entries
    // and sized the biases by the second number.
    if n_in == 0 || n_out == 0 || n_in.checked_mul(n_out).is_none_or(|n| n > MAX_EDGES) {
        return Err(EdgeListError::TooLarge { n_in, n_out });
    }
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

/// Reads a network from a folder of edge lists, one file per layer in
/// natural name order (`layer-2` before `layer-10`). Biases are zero (the
/// format has none), which the notes say.
pub fn read_edge_lists(dir: &Path) -> Result<Imported, StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort_by(|a, b| natural_cmp(&a.to_string_lossy(), &b.to_string_lossy()));
    if files.is_empty() {
        return Err(StoreError::Chain {
            path: dir.to_path_buf(),
            reason: "no edge-list file in the folder".to_string(),
        });
    }
    let mut layers: Vec<Layer> = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(io(file))?;
        let layer = parse_edge_list(&text).map_err(|e| StoreError::Format {
            path: file.clone(),
            reason: format!("not an edge list: {e}"),
        })?;
        if let Some(prev) = layers.last()
            && prev.n_out != layer.n_in
        {
            return Err(StoreError::Chain {
                path: file.clone(),
                reason: format!("{} inputs, the layer before it has {} outputs", layer.n_in, prev.n_out),
            });
        }
        layers.push(layer);
    }
    Ok(Imported {
        names: files.iter().map(|f| f.display().to_string()).collect(),
        notes: vec!["edge lists carry no biases: zero biases".to_string()],
        layers,
        metadata: Default::default(),
    })
}

/// Writes each layer of `net` as an edge list `layer-<l>.txt` into `dir`,
/// atomically; returns the files.
pub fn write_edge_lists(dir: &Path, net: &WeightStack) -> Result<Vec<PathBuf>, StoreError> {
    net.layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let path = dir.join(format!("layer-{l}.txt"));
            atomic_write(&path, edge_list(layer, l).as_bytes())?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::weights::example as net;

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

    #[test]
    fn a_folder_of_edge_lists_round_trips_without_biases() {
        let dir = tempfile::tempdir().unwrap();
        let files = write_edge_lists(dir.path(), &net()).unwrap();
        assert_eq!(files.len(), 2);
        let back = read_edge_lists(dir.path()).unwrap();
        for (a, b) in back.layers.iter().zip(&net().layers) {
            assert_eq!(a.weights, b.weights);
            assert!(a.bias.iter().all(|v| *v == 0.0));
        }
        assert_eq!(back.notes.len(), 1);
        for header in ["100000000 100000000", "0 7777777777777777777", "5 0"] {
            assert!(
                matches!(parse_edge_list(header), Err(EdgeListError::TooLarge { .. })),
                "{header}"
            );
        }
        std::fs::write(dir.path().join("layer-9.txt"), "5 2\n").unwrap();
        let err = read_edge_lists(dir.path()).unwrap_err().to_string();
        assert!(err.contains("5 inputs, the layer before it has 2 outputs"), "{err}");
    }
}
