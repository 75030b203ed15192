//! SSIM against scikit-image 0.26 on real images of the embedded MNIST test split.

use mlprobe_tasks::Embedded;
use mlprobe_tasks::ssim::SsimImage;

#[test]
fn matches_scikit_image_on_embedded_mnist() {
    let text = include_str!("data/ssim-mnist-10k-test.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let test = &Embedded::Mnist.load().test;
    let img = |i: usize| SsimImage::from_pixels(test.images.image(i), 28, 28);
    let pairs = json["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 10);
    for p in pairs {
        let (i, j) = (p["i"].as_u64().unwrap() as usize, p["j"].as_u64().unwrap() as usize);
        assert_eq!(test.labels[i] as u64, p["label_i"].as_u64().unwrap());
        let expected = p["float_range2"].as_f64().unwrap();
        let got = img(i).ssim(&img(j), 2.0);
        assert!(
            (got - expected).abs() < 1e-9,
            "pair ({i}, {j}): {got} vs scikit-image {expected}"
        );
    }
}
