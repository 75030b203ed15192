//! One training step's inputs and what the forward pass leaves for the
//! backward one: dense inputs for every network, or, for an MLP on images,
//! each network's rows of the pixel inputs with its first layer computed
//! from the non-zero pixels ([`crate::pixels`]) outside burn's graph.

use burn::module::{Param, ParamId};
use burn::tensor::{Device, Gradients, Tensor, TensorData};

use crate::device;
use crate::pixels::{self, PixelRows};

/// The inputs of one step of a stack of `M` networks.
pub(crate) enum Batch<'a> {
    /// Inputs `[M, batch, features]`.
    Dense(Tensor<3>),
    /// Network `m`'s examples are `rows[m]` of `inputs`.
    Pixels {
        /// The task's training inputs.
        inputs: &'a PixelRows,
        /// Each network's batch, as indices into `inputs`.
        rows: Vec<Vec<usize>>,
    },
}

impl Batch<'_> {
    /// The dense inputs. Only MLPs are handed pixel batches (`fit` decides).
    pub(crate) fn dense(self) -> Tensor<3> {
        match self {
            Batch::Dense(x) => x,
            Batch::Pixels { .. } => unreachable!("only an MLP trains on pixel batches"),
        }
    }
}

/// The first layer's product computed outside the graph: a leaf whose
/// gradient gives the weight gradient, which the step registers itself.
pub(crate) struct FirstLayer<'a> {
    /// `X W` `[M, batch, n_out]`, a leaf that requires its gradient.
    pub(crate) product: Tensor<3>,
    param: ParamId,
    inputs: &'a PixelRows,
    rows: Vec<Vec<usize>>,
    n_out: usize,
}

impl<'a> FirstLayer<'a> {
    /// `X W` of every network for the rows of a pixel batch, with `weight`
    /// the stacked first-layer weights `[M, n_in, n_out]` and their values.
    pub(crate) fn new(
        (weight, values): (&Param<Tensor<3>>, Vec<f32>),
        inputs: &'a PixelRows,
        rows: Vec<Vec<usize>>,
        device: &Device,
    ) -> Self {
        let [m, n_in, n_out] = weight.val().dims();
        let b = rows[0].len();
        let mut product = Vec::with_capacity(m * b * n_out);
        for (net, batch) in rows.iter().enumerate() {
            product.extend(pixels::forward(
                inputs,
                batch,
                &values[net * n_in * n_out..(net + 1) * n_in * n_out],
                n_out,
            ));
        }
        let product = Tensor::<3>::from_data(TensorData::new(product, [m, b, n_out]), device).require_grad();
        Self {
            product,
            param: weight.id,
            inputs,
            rows,
            n_out,
        }
    }

    /// The weight gradient `X^T dZ` of every network, from the gradient of
    /// the product: the parameter and the tensor to register for it.
    pub(crate) fn weight_grad(&self, grads: &mut Gradients) -> (ParamId, Tensor<3>) {
        // Removed, not read: a tensor of its own hands its data over without a copy.
        let dz = (self.product.grad_remove(grads))
            .expect("the product is part of the loss")
            .into_data()
            .try_into_vec::<f32>()
            .expect("gradients are f32");
        let (m, b, n_out, n_in) = (self.rows.len(), self.rows[0].len(), self.n_out, self.inputs.dim);
        let mut grad = Vec::with_capacity(m * n_in * n_out);
        for (net, batch) in self.rows.iter().enumerate() {
            grad.extend(pixels::weight_grad(
                self.inputs,
                batch,
                &dz[net * b * n_out..(net + 1) * b * n_out],
                n_out,
            ));
        }
        let grad = Tensor::<3>::from_data(TensorData::new(grad, [m, n_in, n_out]), &device::cpu());
        (self.param, grad)
    }
}

/// What a stack's forward pass gives a step.
pub(crate) struct Forward<'a> {
    /// Log-probabilities `[M, batch, classes]`.
    pub(crate) log_probs: Tensor<3>,
    /// The first layer, when it was computed outside the graph.
    pub(crate) first: Option<FirstLayer<'a>>,
}

impl Forward<'_> {
    /// A forward pass wholly inside burn's graph.
    pub(crate) fn dense(log_probs: Tensor<3>) -> Self {
        Self { log_probs, first: None }
    }
}
