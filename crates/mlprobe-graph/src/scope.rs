//! Which weights share one scale in the scaled probes (quantization and
//! scaled binarization), and the scaled sign they share.

use crate::weights::{Layer, WeightStack};

crate::named_enum! {
    /// The weights that share one scale: a whole layer, or one output node
    /// (a neuron, a convolution filter). A layer's biases share one scale
    /// in both, since a channel has a single bias.
    pub enum Scope("scale scope") {
        /// One scale for the weight matrix of a layer.
        Layer => "layer",
        /// One scale per output node: the weights into it.
        Channel => "channel",
    }
}

/// `layer` with `f` applied to its weights, group by group as `scope` says
/// (the whole matrix, or the weights into each output node), and to its
/// bias vector as one group.
pub fn map_scoped(layer: &Layer, scope: Scope, f: impl Fn(&[f32]) -> Vec<f32>) -> Layer {
    let weights = match scope {
        Scope::Layer => f(&layer.weights),
        Scope::Channel => {
            let mut out = vec![0.0; layer.weights.len()];
            for i in 0..layer.n_out {
                let column: Vec<f32> = (0..layer.n_in).map(|j| layer.weight(j, i)).collect();
                for (j, w) in f(&column).into_iter().enumerate() {
                    out[layer.index(j, i)] = w;
                }
            }
            out
        }
    };
    Layer::new(layer.n_in, layer.n_out, weights, f(&layer.bias))
}

/// Every layer of `net` mapped by [`map_scoped`].
pub fn map_scoped_stack(net: &WeightStack, scope: Scope, f: impl Fn(&[f32]) -> Vec<f32>) -> WeightStack {
    net.map_layers(|_, layer| map_scoped(layer, scope, &f))
}

/// `sign(w) * a` for every entry, with `a` the mean `|w|` of the non-zero
/// entries: the scale that brings the signs closest to `values` in the
/// least-squares sense (XNOR-Net's `mean|w|` when no entry is zero). Zeros
/// (pruned edges) stay zero; all zeros come back unchanged.
pub fn scaled_signs(values: &[f32]) -> Vec<f32> {
    let (sum, count) = values
        .iter()
        .filter(|w| **w != 0.0)
        .fold((0.0f64, 0usize), |(s, n), w| (s + w.abs() as f64, n + 1));
    if count == 0 {
        return values.to_vec();
    }
    let scale = (sum / count as f64) as f32;
    values
        .iter()
        .map(|&w| match w {
            w if w > 0.0 => scale,
            w if w < 0.0 => -scale,
            w => w,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> Layer {
        // Two inputs, three outputs: column i holds the weights into output i.
        Layer::new(2, 3, vec![1.0, -2.0, 0.0, 3.0, 4.0, -0.5], vec![0.5, -1.5, 0.0])
    }

    #[test]
    fn a_layer_scope_scales_the_whole_matrix() {
        let out = map_scoped(&layer(), Scope::Layer, scaled_signs);
        let a = (1.0 + 2.0 + 3.0 + 4.0 + 0.5) / 5.0;
        assert_eq!(out.weights, vec![a, -a, 0.0, a, a, -a]);
        assert_eq!(
            out.bias,
            vec![1.0, -1.0, 0.0],
            "biases: one scale, mean of the non-zero"
        );
    }

    #[test]
    fn a_channel_scope_scales_each_output_node() {
        let out = map_scoped(&layer(), Scope::Channel, scaled_signs);
        assert_eq!(out.weights, vec![2.0, -3.0, 0.0, 2.0, 3.0, -0.5]);
        assert_eq!(out.bias, vec![1.0, -1.0, 0.0]);
    }

    #[test]
    fn zeros_stay_and_all_zeros_pass_through() {
        assert_eq!(scaled_signs(&[0.0, -0.0]), vec![0.0, -0.0]);
        assert_eq!(scaled_signs(&[]), Vec::<f32>::new());
        assert_eq!(scaled_signs(&[0.0, -4.0, 2.0]), vec![0.0, -3.0, 3.0]);
    }
}
