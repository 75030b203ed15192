//! Test sets from NumPy `.npz` files: `x_test` (float32, `n x d`, already
//! normalised as the model expects) and `y_test` (integers), as written by
//! `numpy.savez(path, x_test=x, y_test=y)`.

use std::io::{Read, Seek};
use std::path::Path;

use npyz::npz::NpzArchive;
use npyz::{DType, TypeChar};

use crate::errors::DataError;
use crate::task::{Examples, Task};

/// Most features of a test example.
const MAX_DIM: u64 = 1_000_000;
/// Most values of `x_test`: 1 GB of `f32`.
const MAX_VALUES: u64 = 250_000_000;

/// Most labels a class list may name (classes are `u8`, as for images).
const MAX_CLASS: i64 = u8::MAX as i64;

/// Largest `.npy` header read (NumPy writes about 128 bytes).
const MAX_HEADER: usize = 4096;

/// Checks the header of array `key` before the `.npy` parser reads it: a
/// plain array's header is short and holds one tuple (its shape). Found by
/// fuzzing: deeply nested tuples made the parser take seconds per header.
fn check_header<R: Read + Seek>(archive: &mut NpzArchive<R>, key: &str) -> Result<(), String> {
    let Ok(file) = archive.zip_archive().by_name(&format!("{key}.npy")) else {
        return Ok(()); // a missing array is reported where it is read
    };
    let mut file = file;
    let mut head = [0u8; 12];
    file.read_exact(&mut head[..10]).map_err(|e| format!("header: {e}"))?;
    if !head.starts_with(b"\x93NUMPY") {
        return Err("not an .npy array".to_string());
    }
    let len = match head[6] {
        1 => u16::from_le_bytes([head[8], head[9]]) as usize,
        2 | 3 => {
            file.read_exact(&mut head[10..12]).map_err(|e| format!("header: {e}"))?;
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
        }
        v => return Err(format!(".npy version {v}")),
    };
    if len > MAX_HEADER {
        return Err(format!("a header of {len} bytes; plain arrays have short headers"));
    }
    let mut text = vec![0u8; len];
    file.read_exact(&mut text).map_err(|e| format!("header: {e}"))?;
    let tuples = text.iter().filter(|&&b| b == b'(').count();
    if tuples > 1 {
        return Err("a header with nested tuples: not a plain array".to_string());
    }
    Ok(())
}

/// Reads the test set of an `.npz` file as a task without training examples.
///
/// `classes` picks and orders the labels to keep (the first becomes label 0);
/// without, every label is kept as it is, and the labels must be `0..k`.
/// The task's dataset is named `name`.
pub fn load_npz(path: &Path, name: &str, classes: Option<&[u8]>) -> Result<Task, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_npz(std::io::BufReader::new(file), path, name, classes)
}

/// The classes to keep, in label order: `classes` (each present in
/// `labels`), or every label `0..k`.
fn kept_classes(labels: &[i64], classes: Option<&[u8]>, name: &str) -> Result<Vec<u8>, DataError> {
    let present = |c: u8| labels.contains(&(c as i64));
    Ok(match classes {
        Some(list) => {
            if let Some(&c) = list.iter().find(|c| !present(**c)) {
                let mut seen: Vec<u8> = labels.iter().map(|l| *l as u8).collect();
                seen.sort_unstable();
                seen.dedup();
                return Err(DataError::UnknownClass {
                    class: c,
                    dataset: name.to_string(),
                    split: "test",
                    present: seen,
                });
            }
            list.to_vec()
        }
        None => {
            let k = labels.iter().max().map_or(0, |m| m + 1) as u8;
            (0..k).collect()
        }
    })
}

/// As [`load_npz`], from any reader; `path` names it in errors.
pub fn read_npz<R: Read + Seek>(reader: R, path: &Path, name: &str, classes: Option<&[u8]>) -> Result<Task, DataError> {
    let bad = |reason: String| DataError::Npz {
        path: path.to_path_buf(),
        reason,
    };
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut archive = NpzArchive::new(reader).map_err(|e| bad(format!("not an .npz file: {e}")))?;
    let names: Vec<String> = archive.array_names().map(str::to_string).collect();
    let missing = |key: &str| bad(format!("no array `{key}` (it has: {})", names.join(", ")));
    for key in ["x_test", "y_test"] {
        check_header(&mut archive, key).map_err(|reason| bad(format!("{key}: {reason}")))?;
    }

    let x = archive
        .by_name("x_test")
        .map_err(io)?
        .ok_or_else(|| missing("x_test"))?;
    let (n, dim) = match x.shape() {
        [n, d] if *d >= 1 && *d <= MAX_DIM && n.saturating_mul(*d) <= MAX_VALUES => (*n as usize, *d as usize),
        [n, d] => {
            return Err(bad(format!(
                "x_test has shape [{n}, {d}]: at most {MAX_DIM} features and {MAX_VALUES} values"
            )));
        }
        shape => return Err(bad(format!("x_test has shape {shape:?}, expected n x d"))),
    };
    match x.dtype() {
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4 => {}
        other => return Err(bad(format!("x_test is {}, expected float32", other.descr()))),
    }
    let values: Vec<f32> = x.into_vec().map_err(|e| bad(format!("x_test: {e}")))?;
    if values.len() != n * dim {
        return Err(bad(format!(
            "x_test holds {} values, its shape needs {}",
            values.len(),
            n * dim
        )));
    }

    let y = archive
        .by_name("y_test")
        .map_err(io)?
        .ok_or_else(|| missing("y_test"))?;
    if y.shape().len() != 1 || y.shape()[0] as usize != n {
        return Err(bad(format!("y_test has shape {:?}, expected [{n}]", y.shape())));
    }
    let labels: Vec<i64> = match y.dtype() {
        DType::Plain(t) => match (t.type_char(), t.size_field()) {
            (TypeChar::Int, 1) => y.into_vec::<i8>().map(|v| v.into_iter().map(i64::from).collect()),
            (TypeChar::Int, 2) => y.into_vec::<i16>().map(|v| v.into_iter().map(i64::from).collect()),
            (TypeChar::Int, 4) => y.into_vec::<i32>().map(|v| v.into_iter().map(i64::from).collect()),
            (TypeChar::Int, 8) => y.into_vec::<i64>(),
            (TypeChar::Uint, 1) => y.into_vec::<u8>().map(|v| v.into_iter().map(i64::from).collect()),
            (TypeChar::Uint, 2) => y.into_vec::<u16>().map(|v| v.into_iter().map(i64::from).collect()),
            (TypeChar::Uint, 4) => y.into_vec::<u32>().map(|v| v.into_iter().map(i64::from).collect()),
            _ => return Err(bad(format!("y_test is {}, expected integers", t))),
        },
        other => return Err(bad(format!("y_test is {}, expected integers", other.descr()))),
    }
    .map_err(|e| bad(format!("y_test: {e}")))?;
    if let Some(l) = labels.iter().find(|l| !(0..=MAX_CLASS).contains(*l)) {
        return Err(bad(format!("y_test holds the label {l}; labels are 0 ..= {MAX_CLASS}")));
    }

    let classes = kept_classes(&labels, classes, name)?;
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (r, &l) in labels.iter().enumerate() {
        if let Some(label) = classes.iter().position(|c| *c as i64 == l) {
            x.extend_from_slice(&values[r * dim..(r + 1) * dim]);
            y.push(label as u32);
        }
    }
    Ok(Task {
        dataset: name.to_string(),
        n_classes: classes.len(),
        classes,
        train: Examples {
            x: Vec::new(),
            y: Vec::new(),
            dim,
        },
        test: Examples { x, y, dim },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use npyz::WriterBuilder;

    /// An .npz with the given arrays: `(name, shape, f32 values)` or labels.
    fn write(path: &Path, x: Option<(&[u64], &[f32])>, y: Option<&[i64]>) {
        let mut npz = npyz::npz::NpzWriter::create(path).unwrap();
        if let Some((shape, values)) = x {
            let mut w = npz
                .array::<f32>("x_test", Default::default())
                .unwrap()
                .default_dtype()
                .shape(shape)
                .begin_nd()
                .unwrap();
            w.extend(values.iter().copied()).unwrap();
            w.finish().unwrap();
        }
        if let Some(labels) = y {
            let mut w = npz
                .array::<i64>("y_test", Default::default())
                .unwrap()
                .default_dtype()
                .shape(&[labels.len() as u64])
                .begin_nd()
                .unwrap();
            w.extend(labels.iter().copied()).unwrap();
            w.finish().unwrap();
        }
    }

    #[test]
    fn reads_picks_and_orders_classes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.npz");
        write(
            &path,
            Some((&[3, 2], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0])),
            Some(&[2, 0, 2]),
        );
        let all = load_npz(&path, "d", None).unwrap();
        assert_eq!((all.n_classes, all.test.len(), all.test.dim), (3, 3, 2));
        let two = load_npz(&path, "d", Some(&[2, 0])).unwrap();
        assert_eq!(two.test.y, vec![0, 1, 0]);
        assert_eq!(two.test.row(1), &[2.0, 3.0]);
        let err = load_npz(&path, "d", Some(&[2, 7])).unwrap_err().to_string();
        assert!(err.contains("class 7 is not in dataset d"), "{err}");
    }

    #[test]
    fn a_file_without_the_arrays_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.npz");
        write(&path, None, Some(&[0, 1]));
        let err = load_npz(&path, "d", None).unwrap_err().to_string();
        assert!(err.contains("no array `x_test` (it has: y_test)"), "{err}");
        write(&path, Some((&[2, 2], &[0.0; 4])), Some(&[0, -1]));
        let err = load_npz(&path, "d", None).unwrap_err().to_string();
        assert!(err.contains("label -1"), "{err}");
        // Found by fuzzing: a shape of nested tuples, slow to parse, is refused at once.
        let slow = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/npz/regression-nested-shape.npz"),
        )
        .unwrap();
        let err = read_npz(std::io::Cursor::new(slow), Path::new("s.npz"), "s", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("x_test: a header with nested tuples"), "{err}");
        std::fs::write(&path, b"not a zip").unwrap();
        let err = load_npz(&path, "d", None).unwrap_err().to_string();
        assert!(err.contains("not an .npz file"), "{err}");
    }
}
