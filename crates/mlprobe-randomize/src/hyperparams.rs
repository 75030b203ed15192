//! Randomization parameters, checked before use.

use crate::errors::RandomizeError;

mlprobe_graph::named_enum! {
    /// The seven null models, named by letter. Zero entries always stay in
    /// place: only existing (non-zero) edges are rewired, so the models apply
    /// to pruned networks. Biases are left alone.
    pub enum NullModel("null model") {
        /// Shuffle: permute all non-zero weights over the non-zero edges.
        A => "A",
        /// Sign-preserving shuffle: positives among positive edges, negatives
        /// among negative edges (the sign pattern is kept exactly).
        B => "B",
        /// Left strength: permute each input node's outgoing weights among its edges.
        C => "C",
        /// Right strength: permute each output node's incoming weights among its edges.
        D => "D",
        /// Left signed strength: as C, positives and negatives separately.
        E => "E",
        /// Right signed strength: as D, positives and negatives separately.
        F => "F",
        /// Degree-preserving switch: double-edge swaps of positive edges, each
        /// carrying its weight; negatives fill the remaining non-zero slots.
        G => "G",
    }
}

impl NullModel {
    /// A few words on what the model keeps.
    pub fn description(self) -> &'static str {
        match self {
            NullModel::A => "shuffle",
            NullModel::B => "sign-preserving shuffle",
            NullModel::C => "left strength",
            NullModel::D => "right strength",
            NullModel::E => "left signed strength",
            NullModel::F => "right signed strength",
            NullModel::G => "degree-preserving switch",
        }
    }

    /// Whether the model keeps every weight's sign in place (B, E, F), and
    /// with it the binarized network.
    pub fn keeps_signs(self) -> bool {
        matches!(self, NullModel::B | NullModel::E | NullModel::F)
    }
}

/// Randomization parameters as given (unchecked).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomizeParams {
    /// The null model.
    pub model: NullModel,
    /// Model G only: switch attempts per positive edge before giving up
    /// (the reference uses about 10).
    pub attempts_per_edge: f64,
}

impl RandomizeParams {
    /// The given null model with the default switching budget.
    pub fn new(model: NullModel) -> Self {
        Self {
            model,
            attempts_per_edge: 10.0,
        }
    }

    /// Whether the parameters are valid.
    fn validate(&self) -> Result<(), RandomizeError> {
        if !(self.attempts_per_edge.is_finite() && self.attempts_per_edge > 0.0) {
            return Err(RandomizeError::Attempts(self.attempts_per_edge));
        }
        Ok(())
    }
}

mlprobe_graph::checked_params! {
    /// A checked randomization perturbation.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Randomize(RandomizeParams) -> RandomizeError {
        /// The null model.
        model: NullModel,
        /// The switching budget of model G.
        attempts_per_edge: f64,
    }
}
