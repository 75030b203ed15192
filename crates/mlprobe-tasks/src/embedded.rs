//! The two datasets compiled into the binary: 10,000-image subsets of MNIST
//! and Fashion-MNIST (80/20 split), so that everything runs offline.
//! Attribution and licences: `data/README.md` of this crate.

use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::dataset::Dataset;
use crate::errors::DataError;

macro_rules! embed {
    ($dir:literal, $file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/", $dir, "/", $file, ".gz"))
    };
}

/// A dataset shipped inside the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Embedded {
    /// The first 10,000 MNIST training images (7,996 train, 2,004 test).
    Mnist,
    /// The first 10,000 Fashion-MNIST training images (7,996 train, 2,004 test).
    FashionMnist,
}

impl Embedded {
    /// All embedded datasets.
    pub const ALL: [Embedded; 2] = [Embedded::Mnist, Embedded::FashionMnist];

    /// The name used in configuration files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Embedded::Mnist => "mnist",
            Embedded::FashionMnist => "fashion-mnist",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Embedded::Mnist => "mnist-10k",
            Embedded::FashionMnist => "fashion-mnist-10k",
        }
    }

    fn bytes(self) -> [&'static [u8]; 4] {
        match self {
            Embedded::Mnist => [
                embed!("mnist-10k", "train-images-idx3-ubyte"),
                embed!("mnist-10k", "train-labels-idx1-ubyte"),
                embed!("mnist-10k", "t10k-images-idx3-ubyte"),
                embed!("mnist-10k", "t10k-labels-idx1-ubyte"),
            ],
            Embedded::FashionMnist => [
                embed!("fashion-mnist-10k", "train-images-idx3-ubyte"),
                embed!("fashion-mnist-10k", "train-labels-idx1-ubyte"),
                embed!("fashion-mnist-10k", "t10k-images-idx3-ubyte"),
                embed!("fashion-mnist-10k", "t10k-labels-idx1-ubyte"),
            ],
        }
    }

    /// The decoded dataset; decompressed once per process, then shared.
    pub fn load(self) -> &'static Dataset {
        static MNIST: OnceLock<Dataset> = OnceLock::new();
        static FASHION: OnceLock<Dataset> = OnceLock::new();
        let cell = match self {
            Embedded::Mnist => &MNIST,
            Embedded::FashionMnist => &FASHION,
        };
        cell.get_or_init(|| {
            let [a, b, c, d] = self.bytes();
            let origin = Path::new("embedded").join(self.folder());
            Dataset::from_idx_bytes(self.name(), &origin, a, b, c, d)
                .expect("the embedded dataset is valid (checked by this crate's tests)")
        })
    }
}

impl FromStr for Embedded {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Embedded::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| DataError::UnknownDataset(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test images per class as listed in `data/README.md`.
    const MNIST_TEST: [usize; 10] = [201, 226, 199, 207, 196, 173, 203, 214, 189, 196];
    const FASHION_TEST: [usize; 10] = [189, 206, 204, 204, 195, 198, 205, 205, 198, 200];

    fn check(e: Embedded, test_counts: [usize; 10]) {
        let ds = e.load();
        assert_eq!(ds.train.images.count, 7_996);
        assert_eq!(ds.test.images.count, 2_004);
        assert_eq!((ds.train.images.rows, ds.train.images.cols), (28, 28));
        let test: Vec<usize> = ds.test.class_counts().into_iter().map(|(_, n)| n).collect();
        assert_eq!(test, test_counts);
        // 80/20 per class: the training split holds the first 80 % of each class.
        let train = ds.train.class_counts();
        assert_eq!(train.len(), 10);
        for ((_, tr), te) in train.iter().zip(test_counts) {
            let total = tr + te;
            assert_eq!(*tr, total * 8 / 10, "train count of a class with {total} images");
        }
    }

    #[test]
    fn mnist_class_counts_match_the_readme() {
        check(Embedded::Mnist, MNIST_TEST);
    }

    #[test]
    fn fashion_class_counts_match_the_readme() {
        check(Embedded::FashionMnist, FASHION_TEST);
    }

    #[test]
    fn names_round_trip() {
        for e in Embedded::ALL {
            assert_eq!(e.name().parse::<Embedded>().unwrap(), e);
        }
        assert!("cifar".parse::<Embedded>().unwrap_err().to_string().contains("cifar"));
    }
}
