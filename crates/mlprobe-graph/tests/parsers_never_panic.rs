//! Any bytes given to the model-file, safetensors and edge-list readers give
//! `Ok` or `Err`, never a panic: random bytes, and real files with bytes
//! changed or cut off.

use std::path::Path;

use mlprobe_graph::store::{decode_model, edge_list, encode_model, parse_edge_list, read_safetensors};
use mlprobe_graph::{Activation, initial_weights, probe_rng};
use proptest::prelude::*;

fn model_bytes() -> Vec<u8> {
    let net = initial_weights(&[4, 3, 2], Activation::Tanh, &mut probe_rng(1));
    encode_model(&net, &serde_json::json!({"seed": 1}))
}

fn mutate(seed: &[u8], edits: &[(usize, u8)], keep: usize) -> Vec<u8> {
    let mut out = seed.to_vec();
    for &(at, v) in edits {
        if !out.is_empty() {
            let i = at % out.len();
            out[i] = v;
        }
    }
    out.truncate(keep.min(out.len()));
    out
}

fn read_all(bytes: &[u8]) {
    let path = Path::new("m.safetensors");
    let _ = decode_model(bytes, path);
    let _ = read_safetensors(bytes, path, 4, None, None);
    let _ = read_safetensors(bytes, path, 4, Some(2), Some(&["0".to_string(), "2".to_string()]));
}

proptest! {
    #[test]
    fn model_readers_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        read_all(&bytes);
    }

    #[test]
    fn model_readers_take_damaged_files(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        keep in any::<usize>(),
    ) {
        read_all(&mutate(&model_bytes(), &edits, keep));
    }

    #[test]
    fn edge_list_reader_takes_any_text(text in "\\PC{0,80}") {
        let _ = parse_edge_list(&text);
    }

    #[test]
    fn edge_list_reader_takes_damaged_lists(
        edits in proptest::collection::vec((any::<usize>(), 32u8..127), 0..4),
        keep in any::<usize>(),
    ) {
        let net = initial_weights(&[4, 3], Activation::Relu, &mut probe_rng(2));
        let bytes = mutate(edge_list(&net.layers[0], 0).as_bytes(), &edits, keep);
        let _ = parse_edge_list(&String::from_utf8_lossy(&bytes));
    }
}
