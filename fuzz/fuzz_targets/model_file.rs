//! Model files and safetensors from elsewhere: any bytes give a network or
//! an error.
#![no_main]

use std::path::Path;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.safetensors");
    let _ = mlprobe_graph::store::decode_model(data, path);
    let _ = mlprobe_graph::store::read_safetensors(data, path, 784, None, None);
    let _ = mlprobe_graph::store::read_safetensors(data, path, 4, Some(2), None);
});
