//! The IDX reader (plain and gzip): any bytes give images or an error.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = mlprobe_tasks::idx::read_images(data);
    let _ = mlprobe_tasks::idx::read_labels(data);
});
