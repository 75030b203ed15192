//! The authors' edge lists: any text gives a layer or an error.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mlprobe_graph::store::parse_edge_list(text);
    }
});
