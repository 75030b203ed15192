//! Experiment files: any text gives a checked experiment (whose sweeps then
//! expand) or an error naming the key.
#![no_main]

use std::path::Path;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(exp) = mlprobe_runner::Experiment::from_toml("fuzz", text, Path::new("fuzz.toml"))
    {
        let _ = exp.sweep(false);
        let _ = exp.sweep(true);
    }
});
