//! The shape of a vision transformer ([`crate::Architecture::Vit`]): square
//! patches of a one-channel image, each a token embedded linearly, learned
//! positional embeddings, pre-norm blocks (multi-head self-attention with
//! Q, K, V and O projections, then a GELU feed-forward), a final LayerNorm,
//! the mean over tokens, and a dense layer to the classes.
//!
//! Its probed matrices, in order and by their PyTorch names: `patch_embed`
//! (`patch * patch` pixels x `dim`), `pos_embed` (tokens x `dim`, no bias),
//! then per block `blocks.{b}.attn.q`, `.k`, `.v`, `.o` (`dim` x `dim`),
//! `blocks.{b}.ff1` (`dim` x `ff`), `blocks.{b}.ff2` (`ff` x `dim`), and
//! `head` (`dim` x classes). Its LayerNorms (`blocks.{b}.ln1`,
//! `blocks.{b}.ln2`, `ln`) are parameters that probes leave alone.

use serde::{Deserialize, Serialize};

use crate::shape_error::ShapeError;

/// Most transformer blocks a network may have.
pub const MAX_BLOCKS: usize = 8;

/// Widest embedding or feed-forward layer of a ViT.
pub const MAX_WIDTH: usize = 1024;

/// The matrices of one block, in their order within it.
pub const BLOCK_MATRICES: [&str; 6] = ["attn.q", "attn.k", "attn.v", "attn.o", "ff1", "ff2"];

/// Each block matrix's place in [`BLOCK_MATRICES`] (for [`VitShape::block_matrix`]).
pub mod block {
    /// The query projection.
    pub const Q: usize = 0;
    /// The key projection.
    pub const K: usize = 1;
    /// The value projection.
    pub const V: usize = 2;
    /// The output projection.
    pub const O: usize = 3;
    /// The feed-forward layer into the hidden width.
    pub const FF1: usize = 4;
    /// The feed-forward layer back to the embedding.
    pub const FF2: usize = 5;
}

/// Matrices before the first block: the patch and positional embeddings.
pub(crate) const EMBEDDINGS: usize = 2;

/// Index of the positional embeddings among the matrices.
pub const POS_EMBED: usize = 1;

/// The shape of a [`crate::Architecture::Vit`] (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitShape {
    /// Side of the square one-channel input image, in pixels.
    pub side: usize,
    /// Side of a square patch (one token), in pixels.
    pub patch: usize,
    /// Width of every token's embedding.
    pub dim: usize,
    /// Attention heads per block (`dim` is split among them).
    pub heads: usize,
    /// Transformer blocks.
    pub blocks: usize,
    /// Hidden width of each block's feed-forward layer.
    pub ff: usize,
}

impl VitShape {
    /// Checks the keys alone, whatever the image; the error names the first
    /// at fault.
    pub fn check_blocks(&self) -> Result<(), ShapeError> {
        let out_of =
            |key: &str, value: usize, range: &str| Err(ShapeError::new(key, value, format!("must be in {range}")));
        if self.blocks == 0 || self.blocks > MAX_BLOCKS {
            return out_of("blocks", self.blocks, "1 ..= 8");
        }
        for (key, value) in [("dim", self.dim), ("ff", self.ff)] {
            if value == 0 || value > MAX_WIDTH {
                return out_of(key, value, "1 ..= 1024");
            }
        }
        if self.patch == 0 {
            return out_of("patch", 0, "1 ..= the image side");
        }
        if self.heads == 0 || !self.dim.is_multiple_of(self.heads) {
            return Err(ShapeError::new(
                "heads",
                self.heads,
                format!("must divide dim = {} into equal heads", self.dim),
            ));
        }
        Ok(())
    }

    /// Checks the keys against each other and the image.
    pub fn check(&self) -> Result<(), ShapeError> {
        self.check_blocks()?;
        if self.patch > self.side || !self.side.is_multiple_of(self.patch) {
            return Err(ShapeError::new(
                "patch",
                self.patch,
                format!("must divide the {}x{} image into whole patches", self.side, self.side),
            ));
        }
        Ok(())
    }

    /// The shape in labels: `vit 2x32 7x7` (blocks x width, patch).
    pub fn label(&self) -> String {
        format!("vit {}x{} {}x{}", self.blocks, self.dim, self.patch, self.patch)
    }

    /// Tokens per image (patches).
    pub fn tokens(&self) -> usize {
        (self.side / self.patch).pow(2)
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.dim / self.heads
    }

    /// Index among the matrices of block `b`'s `j`-th ([`BLOCK_MATRICES`]).
    pub fn block_matrix(&self, b: usize, j: usize) -> usize {
        EMBEDDINGS + BLOCK_MATRICES.len() * b + j
    }

    /// Number of probed matrices: the two embeddings, each block's, the head.
    pub fn matrices(&self) -> usize {
        EMBEDDINGS + BLOCK_MATRICES.len() * self.blocks + 1
    }

    /// `(n_in, n_out)` of every probed matrix for `classes` outputs.
    pub fn layer_shapes(&self, classes: usize) -> Vec<(usize, usize)> {
        let (d, f) = (self.dim, self.ff);
        let block = [(d, d), (d, d), (d, d), (d, d), (d, f), (f, d)];
        [(self.patch * self.patch, d), (self.tokens(), d)]
            .into_iter()
            .chain((0..self.blocks).flat_map(|_| block))
            .chain(std::iter::once((d, classes)))
            .collect()
    }

    /// Multiply-adds for one image, the patch embedding first: every
    /// projection for every token (the positional embeddings, added, count
    /// none), the classifier once, then attention's scores and weighted
    /// values, one entry per block.
    pub fn layer_multiply_adds(&self, classes: usize) -> Vec<f64> {
        let t = self.tokens() as f64;
        let shapes = self.layer_shapes(classes);
        let head = shapes.len() - 1;
        let mut macs: Vec<f64> = (shapes.iter().enumerate())
            .filter(|&(l, _)| l != POS_EMBED)
            .map(|(l, &(n_in, n_out))| if l == head { 1.0 } else { t } * (n_in * n_out) as f64)
            .collect();
        macs.extend((0..self.blocks).map(|_| 2.0 * t * t * self.dim as f64));
        macs
    }

    /// The LayerNorms, in order: each block's two, then the final one.
    pub fn norm_names(&self) -> Vec<String> {
        (0..self.blocks)
            .flat_map(|b| [format!("blocks.{b}.ln1"), format!("blocks.{b}.ln2")])
            .chain(std::iter::once("ln".to_string()))
            .collect()
    }

    /// For every token (row-major over the patch grid) and every pixel of its
    /// patch (row-major), that pixel's index in the image.
    pub fn patch_indices(&self) -> Vec<usize> {
        let (p, grid) = (self.patch, self.side / self.patch);
        let mut idx = Vec::with_capacity(self.side * self.side);
        for py in 0..grid {
            for px in 0..grid {
                for dy in 0..p {
                    idx.extend((0..p).map(|dx| (py * p + dy) * self.side + px * p + dx));
                }
            }
        }
        idx
    }
}

/// The name of matrix `l` of a ViT of `depth` matrices (see the module documentation).
pub(crate) fn matrix_name(l: usize, depth: usize) -> String {
    match l {
        0 => "patch_embed".to_string(),
        POS_EMBED => "pos_embed".to_string(),
        _ if l + 1 == depth => "head".to_string(),
        _ => {
            let (b, j) = (
                (l - EMBEDDINGS) / BLOCK_MATRICES.len(),
                (l - EMBEDDINGS) % BLOCK_MATRICES.len(),
            );
            format!("blocks.{b}.{}", BLOCK_MATRICES[j])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn small() -> VitShape {
        VitShape {
            side: 28,
            patch: 7,
            dim: 32,
            heads: 2,
            blocks: 2,
            ff: 64,
        }
    }

    #[test]
    fn the_shape_of_the_paper_tasks() {
        let s = small();
        s.check().unwrap();
        assert_eq!(s.tokens(), 16);
        let shapes = s.layer_shapes(2);
        assert_eq!(shapes.len(), 15);
        assert_eq!(s.matrices(), 15);
        assert_eq!(&shapes[..3], &[(49, 32), (16, 32), (32, 32)]);
        assert_eq!(shapes[6..8], [(32, 64), (64, 32)]);
        let names: Vec<String> = (0..15).map(|l| matrix_name(l, 15)).collect();
        assert_eq!(names[2], "blocks.0.attn.q");
        assert_eq!(names[13], "blocks.1.ff2");
        assert_eq!(names[14], "head");
        assert_eq!(s.norm_names().len(), 5);
        let idx = s.patch_indices();
        assert_eq!(&idx[..8], &[0, 1, 2, 3, 4, 5, 6, 28]);
        assert_eq!(idx[49], 7);
        let mut sorted = idx.clone();
        sorted.sort();
        assert_eq!(sorted, (0..784).collect::<Vec<_>>());
        assert_eq!(s.label(), "vit 2x32 7x7");
    }

    #[test]
    fn keys_that_do_not_fit_are_named() {
        let err = |s: VitShape| s.check().unwrap_err().to_string();
        assert!(err(VitShape { patch: 5, ..small() }).starts_with("patch = 5"));
        assert!(err(VitShape { heads: 3, ..small() }).starts_with("heads = 3"));
        assert!(err(VitShape { dim: 0, ..small() }).starts_with("dim = 0"));
        assert!(err(VitShape { blocks: 9, ..small() }).starts_with("blocks = 9"));
        assert!(err(VitShape { patch: 56, ..small() }).starts_with("patch = 56"));
    }
}
