//! Any bytes given to the IDX and `.npz` readers give `Ok` or `Err`, never a
//! panic: random bytes, and real files with bytes changed or cut off.

use std::path::Path;

use mlprobe_tasks::idx::{IdxImages, gzip, read_images, read_labels, write_images, write_labels};
use proptest::prelude::*;

/// A small valid IDX3 file and IDX1 file.
fn seeds() -> Vec<Vec<u8>> {
    let images = IdxImages {
        count: 3,
        rows: 2,
        cols: 2,
        pixels: (0..12).collect(),
    };
    let idx3 = write_images(&images);
    let idx1 = write_labels(&[1, 0, 2]);
    vec![gzip(&idx3), idx3, gzip(&idx1), idx1]
}

/// `seed` with bytes at `edits` (position, value) changed and cut to `keep`.
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

proptest! {
    #[test]
    fn idx_readers_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = read_images(&bytes);
        let _ = read_labels(&bytes);
    }

    #[test]
    fn idx_readers_take_damaged_files(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        keep in any::<usize>(),
    ) {
        let bytes = mutate(&seeds()[which], &edits, keep);
        let _ = read_images(&bytes);
        let _ = read_labels(&bytes);
    }

    #[test]
    fn npz_reader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = mlprobe_tasks::npz::read_npz(std::io::Cursor::new(bytes), Path::new("f.npz"), "f", None);
    }
}
