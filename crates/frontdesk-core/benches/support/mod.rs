//! Timing helpers shared by the benchmarks: each measurement timed on its own, for the
//! percentiles criterion does not give.

use std::time::{Duration, Instant};

/// The nearest-rank percentile `p` (0 to 1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f(0..rounds)`, timing each call; the durations come back sorted.
#[allow(dead_code)] // not every benchmark times its rounds this way
pub fn timed(rounds: usize, mut f: impl FnMut(usize)) -> Vec<Duration> {
    let mut v: Vec<Duration> = (0..rounds)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    v.sort();
    v
}
