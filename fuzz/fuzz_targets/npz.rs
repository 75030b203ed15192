//! NumPy test sets: any bytes give a task or an error.
#![no_main]

use std::path::Path;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let reader = std::io::Cursor::new(data);
    let _ = mlprobe_tasks::npz::read_npz(reader, Path::new("fuzz.npz"), "fuzz", None);
});
