//! MLPs saved by PyTorch as safetensors (`nn.Linear` convention: weight
//! `[out, in]`, bias `<name>.bias` beside `<name>.weight`).
//!
//! The layers are found by their shapes: the unique order of all 2-D
//! tensors in which each layer's inputs are the previous layer's outputs,
//! from the data's input dimension to the number of classes. Layers of the
//! same shape that could swap places are taken in natural name order (`fc2`
//! before `fc10`); shapes that chain in two different ways are an error
//! that asks for the layers by name.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use crate::errors::StoreError;
use crate::store::natural::natural_cmp;
use crate::tensor::{TensorError, check_finite as check_values};
use crate::weights::Layer;

/// Most 2-D tensors a file may hold for its chain to be found by shape.
const MAX_LAYERS: usize = 256;

/// Most steps of the search for chains before it gives up.
const MAX_SEARCH: usize = 100_000;

/// A network read from a file made elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The layers, input first (weights `[n_in, n_out]`).
    pub layers: Vec<Layer>,
    /// The weight tensor of each layer, as named in the file.
    pub names: Vec<String>,
    /// What was converted, assumed or left out on the way, one line each
    /// (e.g. `fc3.bias missing: zero biases`).
    pub notes: Vec<String>,
    /// The file's metadata map (empty where it has none).
    pub metadata: HashMap<String, String>,
}

/// One 2-D tensor: its name and shape `[out, in]`.
#[derive(Debug, Clone)]
struct Matrix {
    name: String,
    out: usize,
    inp: usize,
}

/// The values of a tensor as `f32`, with a note when they were converted.
pub(crate) fn values(path: &Path, name: &str, view: &TensorView<'_>) -> Result<(Vec<f32>, Option<String>), StoreError> {
    let data = view.data();
    let converted = |from: &str| Some(format!("{name}: {from} converted to f32"));
    Ok(match view.dtype() {
        Dtype::F32 => (
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            None,
        ),
        Dtype::F64 => (
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
                .collect(),
            converted("f64"),
        ),
        Dtype::F16 => (
            data.chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            converted("f16"),
        ),
        Dtype::BF16 => (
            data.chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            converted("bf16"),
        ),
        other => {
            return Err(StoreError::Dtype {
                path: path.to_path_buf(),
                tensor: name.to_string(),
                dtype: format!("{other:?}"),
            });
        }
    })
}

/// `name.bias` for a weight `name.weight`.
fn bias_name(weight: &str) -> Option<String> {
    weight.strip_suffix(".weight").map(|p| format!("{p}.bias"))
}

fn describe(matrices: &[&Matrix]) -> String {
    matrices
        .iter()
        .map(|m| format!("{} [{}, {}]", m.name, m.out, m.inp))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The orders of all matrices whose shapes chain from `input` (to `outputs`
/// when known), as sequences of shapes `(in, out)`; at most two, or `None`
/// when the search is too long.
fn chains(
    shapes: &BTreeMap<(usize, usize), usize>,
    input: usize,
    outputs: Option<usize>,
) -> Option<Vec<Vec<(usize, usize)>>> {
    fn walk(
        at: usize,
        left: &mut BTreeMap<(usize, usize), usize>,
        remaining: usize,
        outputs: Option<usize>,
        path: &mut Vec<(usize, usize)>,
        found: &mut Vec<Vec<(usize, usize)>>,
        steps: &mut usize,
    ) -> bool {
        *steps += 1;
        if *steps > MAX_SEARCH {
            return false;
        }
        if remaining == 0 {
            if outputs.is_none_or(|k| k == at) {
                found.push(path.clone());
            }
            return true;
        }
        let next: Vec<(usize, usize)> = left
            .range((at, 0)..=(at, usize::MAX))
            .filter(|(_, n)| **n > 0)
            .map(|(s, _)| *s)
            .collect();
        for shape in next {
            *left.get_mut(&shape).expect("listed") -= 1;
            path.push(shape);
            let ok = walk(shape.1, left, remaining - 1, outputs, path, found, steps);
            path.pop();
            *left.get_mut(&shape).expect("listed") += 1;
            if !ok || found.len() >= 2 {
                return ok;
            }
        }
        true
    }
    let mut left = shapes.clone();
    let remaining = shapes.values().sum();
    let (mut path, mut found, mut steps) = (Vec::new(), Vec::new(), 0);
    walk(input, &mut left, remaining, outputs, &mut path, &mut found, &mut steps).then_some(found)
}

/// The matrices in the one order in which their shapes chain from `input`
/// inputs (to `outputs` when known); an error when there is none or more.
fn by_shape<'m>(
    matrices: &'m [Matrix],
    path: &Path,
    input: usize,
    outputs: Option<usize>,
) -> Result<Vec<&'m Matrix>, StoreError> {
    let no_chain = |reason: String| StoreError::Chain {
        path: path.to_path_buf(),
        reason,
    };
    if matrices.len() > MAX_LAYERS {
        return Err(no_chain(format!(
            "{} 2-D tensors, more than {MAX_LAYERS} to order by shape; name the layers",
            matrices.len()
        )));
    }
    let mut shapes: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for m in matrices {
        *shapes.entry((m.inp, m.out)).or_default() += 1;
    }
    let all = describe(&matrices.iter().collect::<Vec<_>>());
    let target = outputs.map(|k| format!(" to {k} classes")).unwrap_or_default();
    let found = chains(&shapes, input, outputs)
        .ok_or_else(|| no_chain(format!("too many ways to order {all}; name the layers")))?;
    let order = match &found[..] {
        [] => {
            // Do they chain from another input dimension?
            let first = matrices
                .iter()
                .find(|m| m.inp != input && chains(&shapes, m.inp, outputs).is_some_and(|c| !c.is_empty()));
            return Err(match first {
                Some(m) => StoreError::InputDim {
                    path: path.to_path_buf(),
                    tensor: m.name.clone(),
                    found: m.inp,
                    expected: input,
                },
                None => no_chain(format!("the shapes of {all} chain no way from {input} inputs{target}")),
            });
        }
        [one] => one,
        [a, b, ..] => {
            let show = |c: &[(usize, usize)]| {
                c.iter()
                    .map(|s| s.0.to_string())
                    .chain(c.last().map(|s| s.1.to_string()))
                    .collect::<Vec<_>>()
                    .join("-")
            };
            return Err(no_chain(format!(
                "the shapes of {all} chain in more than one way ({} and {}); name the layers in order",
                show(a),
                show(b)
            )));
        }
    };
    // Same shapes in natural name order (the matrices are sorted so).
    let mut used = vec![false; matrices.len()];
    Ok(order
        .iter()
        .map(|&(inp, out)| {
            let i = (0..matrices.len())
                .find(|&i| !used[i] && matrices[i].inp == inp && matrices[i].out == out)
                .expect("the chain uses every matrix once");
            used[i] = true;
            &matrices[i]
        })
        .collect())
}

/// The file's 2-D tensors (weights) and 1-D tensors (biases), in natural
/// name order; any other rank is an error.
fn split_by_rank(tensors: &SafeTensors<'_>, path: &Path) -> Result<(Vec<Matrix>, Vec<String>), StoreError> {
    let format = |reason: String| StoreError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let mut names: Vec<String> = tensors.names().into_iter().map(str::to_string).collect();
    names.sort_by(|a, b| natural_cmp(a, b));
    let mut matrices = Vec::new();
    let mut vectors = Vec::new();
    for name in &names {
        let view = tensors.tensor(name).map_err(|e| format(e.to_string()))?;
        match view.shape() {
            [out, inp] => matrices.push(Matrix {
                name: name.clone(),
                out: *out,
                inp: *inp,
            }),
            [_] => vectors.push(name.clone()),
            shape => {
                return Err(StoreError::Shape {
                    path: path.to_path_buf(),
                    tensor: name.clone(),
                    reason: format!("shape {shape:?}: an MLP holds only 1-D biases and 2-D weights"),
                });
            }
        }
    }
    Ok((matrices, vectors))
}

/// What [`read_layers`] read.
struct LayersRead {
    layers: Vec<Layer>,
    /// What was converted or assumed.
    notes: Vec<String>,
    /// The 1-D tensors used as biases.
    biases: Vec<String>,
}

/// The layers of the chosen matrices, each with its bias where the file has one.
fn read_layers(
    tensors: &SafeTensors<'_>,
    path: &Path,
    chosen: &[&Matrix],
    vectors: &[String],
) -> Result<LayersRead, StoreError> {
    let format = |reason: String| StoreError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let mut notes = Vec::new();
    let mut used_vectors = Vec::new();
    let mut out_layers = Vec::with_capacity(chosen.len());
    for m in chosen {
        let view = tensors.tensor(&m.name).map_err(|e| format(e.to_string()))?;
        let (w, note) = values(path, &m.name, &view)?;
        notes.extend(note);
        // PyTorch's [out, in] row-major to mlprobe's [in, out].
        let mut weights = vec![0.0f32; m.inp * m.out];
        for o in 0..m.out {
            for i in 0..m.inp {
                weights[i * m.out + o] = w[o * m.inp + i];
            }
        }
        let bias = match bias_name(&m.name).filter(|b| vectors.contains(b)) {
            Some(b) => {
                let view = tensors.tensor(&b).map_err(|e| format(e.to_string()))?;
                if view.shape() != [m.out] {
                    return Err(StoreError::Shape {
                        path: path.to_path_buf(),
                        tensor: b.clone(),
                        reason: format!("shape {:?}, the bias of {} needs [{}]", view.shape(), m.name, m.out),
                    });
                }
                let (values, note) = values(path, &b, &view)?;
                notes.extend(note);
                used_vectors.push(b);
                values
            }
            None => {
                notes.push(format!("{}: no bias beside it, taken as zero", m.name));
                vec![0.0; m.out]
            }
        };
        out_layers.push(Layer::new(m.inp, m.out, weights, bias));
    }
    Ok(LayersRead {
        layers: out_layers,
        notes,
        biases: used_vectors,
    })
}

/// A tensor read whole: its name, shape and values as `f32`.
pub type NamedValues = (String, Vec<usize>, Vec<f32>);

/// Every floating-point tensor of safetensors `bytes` as `(name, shape,
/// values as f32)`, in natural order of the names; `path` is named in errors.
pub fn read_tensors(bytes: &[u8], path: &Path) -> Result<Vec<NamedValues>, StoreError> {
    let (tensors, _) = open(bytes, path)?;
    let mut names = tensors.names();
    names.sort_by(|a, b| natural_cmp(a, b));
    let mut out = Vec::new();
    for name in names {
        let view = tensors.tensor(name).expect("a name the file lists");
        let (values, _) = values(path, name, &view)?;
        out.push((name.to_string(), view.shape().to_vec(), values));
    }
    Ok(out)
}

/// The metadata map of safetensors `bytes`, if they are safetensors and have one.
pub fn safetensors_metadata(bytes: &[u8]) -> Option<HashMap<String, String>> {
    let (_, header) = SafeTensors::read_metadata(bytes).ok()?;
    header.metadata().clone()
}

/// The tensors and the metadata map of safetensors `bytes`; `path` is named in errors.
pub(crate) fn open<'b>(bytes: &'b [u8], path: &Path) -> Result<(SafeTensors<'b>, HashMap<String, String>), StoreError> {
    let format = |e: safetensors::SafeTensorError| StoreError::Format {
        path: path.to_path_buf(),
        reason: format!("not a safetensors file: {e}"),
    };
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(format)?;
    let tensors = SafeTensors::deserialize(bytes).map_err(format)?;
    check_finite(&tensors, path)?;
    Ok((tensors, meta.metadata().clone().unwrap_or_default()))
}

/// `Ok` when every floating-point tensor holds finite values only; else an
/// error naming each tensor that does not, with its counts.
fn check_finite(tensors: &SafeTensors<'_>, path: &Path) -> Result<(), StoreError> {
    let mut bad = Vec::new();
    let mut names = tensors.names();
    names.sort_by(|a, b| natural_cmp(a, b));
    for name in names {
        let view = tensors.tensor(name).expect("a name the file lists");
        let Ok((values, _)) = values(path, name, &view) else {
            continue;
        };
        if let Err(TensorError::NonFinite { nan, infinite, .. }) = check_values(name, &values) {
            bad.push(format!("{name} ({nan} NaN, {infinite} infinite)"));
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    Err(StoreError::NonFinite {
        path: path.to_path_buf(),
        tensors: format!("{} tensors hold NaN or infinite values: {}", bad.len(), bad.join(", ")),
    })
}

/// Reads an MLP from safetensors bytes; `path` is named in errors.
///
/// `input` is the data's input dimension and `outputs`, when known, the
/// number of classes. `layers` names the weight tensors in order (`fc1` or
/// `fc1.weight`), overriding the search by shape.
pub fn read_safetensors(
    bytes: &[u8],
    path: &Path,
    input: usize,
    outputs: Option<usize>,
    layers: Option<&[String]>,
) -> Result<Imported, StoreError> {
    let (tensors, metadata) = open(bytes, path)?;

    let (matrices, vectors) = split_by_rank(&tensors, path)?;
    let no_chain = |reason: String| StoreError::Chain {
        path: path.to_path_buf(),
        reason,
    };

    let chosen: Vec<&Matrix> = match layers {
        Some(wanted) => wanted
            .iter()
            .map(|w| {
                let full = format!("{w}.weight");
                matrices.iter().find(|m| m.name == *w || m.name == full).ok_or_else(|| {
                    no_chain(format!(
                        "no 2-D tensor `{w}` (or `{full}`); the file has {}",
                        describe(&matrices.iter().collect::<Vec<_>>())
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
        None => by_shape(&matrices, path, input, outputs)?,
    };
    if chosen.is_empty() {
        return Err(no_chain("no 2-D tensor: not an MLP".to_string()));
    }
    if chosen[0].inp != input {
        return Err(StoreError::InputDim {
            path: path.to_path_buf(),
            tensor: chosen[0].name.clone(),
            found: chosen[0].inp,
            expected: input,
        });
    }
    for pair in chosen.windows(2) {
        if pair[0].out != pair[1].inp {
            return Err(no_chain(format!(
                "{} and {} do not chain: {} outputs, {} inputs",
                pair[0].name, pair[1].name, pair[0].out, pair[1].inp
            )));
        }
    }
    if let Some(k) = outputs {
        let last = chosen[chosen.len() - 1];
        if last.out != k {
            return Err(no_chain(format!(
                "the last layer {} has {} outputs, the task {k} classes",
                last.name, last.out
            )));
        }
    }

    let LayersRead {
        layers: out_layers,
        mut notes,
        biases: used_vectors,
    } = read_layers(&tensors, path, &chosen, &vectors)?;
    let unused: Vec<&String> = vectors.iter().filter(|v| !used_vectors.contains(v)).collect();
    if !unused.is_empty() {
        notes.push(format!(
            "ignored 1-D tensors that are no layer's bias: {}",
            unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(Imported {
        names: chosen.iter().map(|m| m.name.clone()).collect(),
        layers: out_layers,
        notes,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::serialize;

    /// A safetensors file of f32 tensors `(name, shape)` with values 0, 1, 2, ...
    fn file(tensors: &[(&str, &[usize])]) -> Vec<u8> {
        let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
            .iter()
            .map(|(name, shape)| {
                let n: usize = shape.iter().product();
                let bytes = (0..n).flat_map(|v| (v as f32).to_le_bytes()).collect();
                (name.to_string(), bytes, shape.to_vec())
            })
            .collect();
        let views: Vec<(String, TensorView<'_>)> = data
            .iter()
            .map(|(n, b, s)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), b).unwrap()))
            .collect();
        serialize(views, None).unwrap()
    }

    fn read(bytes: &[u8], input: usize, outputs: Option<usize>) -> Result<Imported, StoreError> {
        read_safetensors(bytes, Path::new("m.safetensors"), input, outputs, None)
    }

    #[test]
    fn nan_and_infinite_weights_are_named_and_counted() {
        let mut bytes = file(&[("fc1.weight", &[2, 4]), ("fc1.bias", &[2]), ("fc2.weight", &[2, 2])]);
        let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize + 8;
        // Tensors lie in name order: fc1.bias (2 values), fc1.weight (8), fc2.weight (4).
        let mut set = |index: usize, v: f32| bytes[header + 4 * index..][..4].copy_from_slice(&v.to_le_bytes());
        set(2, f32::NAN);
        set(3, f32::INFINITY);
        set(4, f32::NAN);
        set(11, f32::NEG_INFINITY);
        let e = read(&bytes, 4, Some(2)).unwrap_err().to_string();
        assert_eq!(
            e,
            "m.safetensors: 2 tensors hold NaN or infinite values: fc1.weight (2 NaN, 1 infinite), \
             fc2.weight (0 NaN, 1 infinite); probes need finite weights"
        );
    }

    #[test]
    fn layers_are_found_by_shape_and_transposed() {
        let bytes = file(&[
            ("head.weight", &[2, 3]),
            ("head.bias", &[2]),
            ("body.weight", &[3, 4]),
            ("body.bias", &[3]),
        ]);
        let m = read(&bytes, 4, Some(2)).unwrap();
        assert_eq!(m.names, ["body.weight", "head.weight"]);
        assert_eq!((m.layers[0].n_in, m.layers[0].n_out), (4, 3));
        // PyTorch's weight[o][i] = o * 4 + i is mlprobe's weight(i, o).
        assert_eq!(m.layers[0].weight(1, 2), 9.0);
        assert_eq!(m.layers[1].bias, vec![0.0, 1.0]);
        assert!(m.notes.is_empty(), "{:?}", m.notes);
    }

    #[test]
    fn same_shapes_go_in_natural_order_and_missing_biases_are_said() {
        let bytes = file(&[
            ("fc10.weight", &[2, 5]),
            ("fc2.weight", &[5, 5]),
            ("fc3.weight", &[5, 5]),
            ("fc1.weight", &[5, 7]),
        ]);
        let m = read(&bytes, 7, Some(2)).unwrap();
        assert_eq!(m.names, ["fc1.weight", "fc2.weight", "fc3.weight", "fc10.weight"]);
        assert_eq!(m.notes.len(), 4, "{:?}", m.notes);
        assert!(m.notes[0].contains("fc1.weight: no bias"));
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let good = file(&[("a.weight", &[2, 4]), ("a.bias", &[2])]);
        let err = |r: Result<Imported, StoreError>| r.unwrap_err().to_string();
        assert!(err(read(&good[..good.len() - 3], 4, None)).contains("not a safetensors file"));
        assert!(err(read(b"hello world, not a model", 4, None)).contains("not a safetensors file"));
        assert!(err(read(&good, 5, Some(2))).contains("a.weight takes 4 inputs, the data has 5"));
        assert!(err(read(&good, 4, Some(3))).contains("chain no way from 4 inputs to 3 classes"));
        let e = err(read(&file(&[("a.weight", &[2, 4]), ("b", &[2, 2, 2])]), 4, None));
        assert!(e.contains("`b`") && e.contains("[2, 2, 2]"), "{e}");
        // Two orders of different shapes, 4-4-3-4-2 and 4-3-4-4-2: name them.
        let two = file(&[("a", &[4, 4]), ("b", &[3, 4]), ("c", &[4, 3]), ("d", &[2, 4])]);
        let e = err(read(&two, 4, Some(2)));
        assert!(e.contains("more than one way"), "{e}");
        let named = read_safetensors(
            &two,
            Path::new("m"),
            4,
            Some(2),
            Some(&["a".into(), "b".into(), "c".into(), "d".into()]),
        );
        assert_eq!(named.unwrap().names, ["a", "b", "c", "d"]);
        let e = err(read_safetensors(&good, Path::new("m"), 3, None, Some(&["a".into()])));
        assert!(e.contains("a.weight takes 4 inputs, the data has 3"), "{e}");
        // A dtype that is no float.
        let ints: Vec<u8> = (0..8i32).flat_map(|v| v.to_le_bytes()).collect();
        let bad = serialize([("w", TensorView::new(Dtype::I32, vec![2, 4], &ints).unwrap())], None).unwrap();
        let e = err(read(&bad, 4, None));
        assert!(e.contains("`w`") && e.contains("I32"), "{e}");
    }

    #[test]
    fn half_and_double_precision_are_converted_and_said() {
        let halfs: Vec<u8> = [1.5f32, -2.0, 0.25, 4.0]
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        let doubles: Vec<u8> = [0.5f64, -0.5].iter().flat_map(|v| v.to_le_bytes()).collect();
        let bytes = serialize(
            [
                ("l.weight", TensorView::new(Dtype::F16, vec![2, 2], &halfs).unwrap()),
                ("l.bias", TensorView::new(Dtype::F64, vec![2], &doubles).unwrap()),
            ],
            None,
        )
        .unwrap();
        let m = read(&bytes, 2, Some(2)).unwrap();
        assert_eq!(m.layers[0].weights, vec![1.5, 0.25, -2.0, 4.0]);
        assert_eq!(m.layers[0].bias, vec![0.5, -0.5]);
        assert_eq!(m.notes.len(), 2, "{:?}", m.notes);
    }
}
