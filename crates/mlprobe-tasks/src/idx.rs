//! Reading and writing the IDX format of MNIST-style datasets.
//!
//! An IDX file is a 4-byte magic number (`0x00 0x00 type rank`), `rank`
//! big-endian `u32` dimensions, then the elements in row-major order. Only the
//! unsigned-byte type (`0x08`) is supported. Every reader here accepts plain or
//! gzip-compressed bytes and checks the header against the bytes present.

use std::io::{Read, Write};

use crate::errors::IdxError;

const UBYTE: u8 = 0x08;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A stack of greyscale images as stored in an IDX3 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels, image after image, row-major.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// Pixels of one image, `rows * cols` bytes.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.rows * self.cols;
        &self.pixels[i * n..(i + 1) * n]
    }
}

/// Decompresses `bytes` if they are a gzip stream, else borrows them.
fn maybe_gunzip(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IdxError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| IdxError::Gzip(e.to_string()))?;
        Ok(out.into())
    } else {
        Ok(bytes.into())
    }
}

/// Parses the header of an IDX stream of the given rank; returns the
/// dimensions and the data bytes after the header.
fn parse(bytes: &[u8], rank: u8) -> Result<(Vec<usize>, &[u8]), IdxError> {
    if bytes.len() < 4 {
        return Err(IdxError::TruncatedHeader {
            needed: 4,
            present: bytes.len(),
        });
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(IdxError::BadMagic { found: magic });
    }
    if bytes[2] != UBYTE {
        return Err(IdxError::UnsupportedType { found: bytes[2] });
    }
    if bytes[3] != rank {
        return Err(IdxError::WrongRank {
            expected: rank,
            found: bytes[3],
        });
    }
    let header = 4 + 4 * rank as usize;
    if bytes.len() < header {
        return Err(IdxError::TruncatedHeader {
            needed: header,
            present: bytes.len(),
        });
    }
    let raw: Vec<u32> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let expected = raw
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .filter(|_| raw.iter().all(|&d| d > 0))
        .ok_or_else(|| IdxError::AbsurdDimensions { dims: raw.clone() })?;
    let data = &bytes[header..];
    if data.len() != expected {
        return Err(IdxError::LengthMismatch {
            dims: raw,
            expected,
            present: data.len(),
        });
    }
    Ok((raw.into_iter().map(|d| d as usize).collect(), data))
}

/// Largest side of an image, in pixels.
pub const MAX_SIDE: usize = 4096;

/// Reads an IDX3 image file (plain or gzip).
pub fn read_images(bytes: &[u8]) -> Result<IdxImages, IdxError> {
    let bytes = maybe_gunzip(bytes)?;
    let (dims, data) = parse(&bytes, 3)?;
    if dims[1] > MAX_SIDE || dims[2] > MAX_SIDE {
        return Err(IdxError::ImageTooLarge {
            rows: dims[1],
            cols: dims[2],
        });
    }
    Ok(IdxImages {
        count: dims[0],
        rows: dims[1],
        cols: dims[2],
        pixels: data.to_vec(),
    })
}

/// Reads an IDX1 label file (plain or gzip).
pub fn read_labels(bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    let bytes = maybe_gunzip(bytes)?;
    let (_, data) = parse(&bytes, 1)?;
    Ok(data.to_vec())
}

fn encode(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    out.extend_from_slice(&[0, 0, UBYTE, dims.len() as u8]);
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Encodes images as a plain IDX3 file.
///
/// # Panics
/// If `pixels` does not hold `count * rows * cols` bytes, or a dimension
/// exceeds `u32::MAX`.
pub fn write_images(images: &IdxImages) -> Vec<u8> {
    assert_eq!(
        images.pixels.len(),
        images.count * images.rows * images.cols,
        "pixel buffer does not match the dimensions"
    );
    let dims = [images.count, images.rows, images.cols].map(|d| u32::try_from(d).expect("dimension fits u32"));
    encode(&dims, &images.pixels)
}

/// Encodes labels as a plain IDX1 file.
pub fn write_labels(labels: &[u8]) -> Vec<u8> {
    let n = u32::try_from(labels.len()).expect("label count fits u32");
    encode(&[n], labels)
}

/// Compresses bytes with gzip (as the standard `.gz` distribution files are).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IdxImages {
        IdxImages {
            count: 3,
            rows: 2,
            cols: 4,
            pixels: (0..24).map(|i| (i * 10) as u8).collect(),
        }
    }

    #[test]
    fn round_trip_plain_and_gzip() {
        let images = sample();
        let bytes = write_images(&images);
        assert_eq!(read_images(&bytes).unwrap(), images);
        assert_eq!(read_images(&gzip(&bytes)).unwrap(), images);
        let labels = vec![7u8, 0, 9];
        assert_eq!(read_labels(&write_labels(&labels)).unwrap(), labels);
        assert_eq!(read_labels(&gzip(&write_labels(&labels))).unwrap(), labels);
        assert_eq!(read_images(&bytes).unwrap().image(1), &images.pixels[8..16]);
    }

    #[test]
    fn truncated_data_is_a_length_mismatch() {
        let bytes = write_images(&sample());
        let err = read_images(&bytes[..bytes.len() - 5]).unwrap_err();
        assert_eq!(
            err,
            IdxError::LengthMismatch {
                dims: vec![3, 2, 4],
                expected: 24,
                present: 19
            }
        );
        assert!(err.to_string().contains("need 24 data bytes, 19 present"));
    }

    #[test]
    fn trailing_bytes_are_a_length_mismatch() {
        let mut bytes = write_labels(&[1, 2, 3]);
        bytes.push(4);
        assert!(matches!(
            read_labels(&bytes),
            Err(IdxError::LengthMismatch {
                expected: 3,
                present: 4,
                ..
            })
        ));
    }

    #[test]
    fn truncated_header() {
        let bytes = write_images(&sample());
        assert_eq!(
            read_images(&bytes[..2]).unwrap_err(),
            IdxError::TruncatedHeader { needed: 4, present: 2 }
        );
        assert_eq!(
            read_images(&bytes[..9]).unwrap_err(),
            IdxError::TruncatedHeader { needed: 16, present: 9 }
        );
    }

    #[test]
    fn wrong_magic_type_and_rank() {
        let mut bytes = write_images(&sample());
        bytes[0] = 0x12;
        assert!(matches!(read_images(&bytes), Err(IdxError::BadMagic { found }) if found >> 24 == 0x12));
        let mut bytes = write_images(&sample());
        bytes[2] = 0x0d;
        assert_eq!(
            read_images(&bytes).unwrap_err(),
            IdxError::UnsupportedType { found: 0x0d }
        );
        let labels = write_labels(&[1, 2]);
        assert_eq!(
            read_images(&labels).unwrap_err(),
            IdxError::WrongRank { expected: 3, found: 1 }
        );
    }

    #[test]
    fn absurd_dimensions() {
        let mut bytes = encode(&[0, 28, 28], &[]);
        assert!(matches!(read_images(&bytes), Err(IdxError::AbsurdDimensions { .. })));
        bytes = encode(&[u32::MAX, u32::MAX, u32::MAX], &[1, 2, 3]);
        let err = read_images(&bytes).unwrap_err();
        // On 64-bit targets the product fits but cannot match the bytes present.
        assert!(matches!(
            err,
            IdxError::AbsurdDimensions { .. } | IdxError::LengthMismatch { .. }
        ));
    }

    #[test]
    fn corrupt_gzip() {
        let mut gz = gzip(&write_labels(&[1, 2, 3, 4]));
        let n = gz.len();
        gz.truncate(n - 6);
        assert!(matches!(read_labels(&gz), Err(IdxError::Gzip(_))));
    }
}
