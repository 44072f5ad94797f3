//! Handing back to the system the memory the server frees.
//!
//! Building or reading the index makes and drops hundreds of megabytes of temporaries (pages
//! of sheets read from the store, what decoding a snapshot goes through), and so do the
//! boundary layers drawn just after, and every write (a new version of the index replaces the
//! old). glibc's malloc keeps freed memory for later allocations rather than returning it: at
//! 1M sheets that was 87 MB of the server's resident memory. The library forbids `unsafe`;
//! this one call into the C library lives in the binary.

use std::time::{Duration, Instant};

/// How often free memory is handed back after the first time.
const EVERY: Duration = Duration::from_secs(60);

/// Hands free memory back now, then every [`EVERY`] for as long as the server runs.
pub fn give_back_free_memory_now_and_then() {
    give_back_free_memory();
    tokio::spawn(async {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            // It walks every arena: not on a thread that answers requests.
            let _ = tokio::task::spawn_blocking(give_back_free_memory).await;
        }
    });
}

/// Returns the allocator's free pages to the system (glibc only; other allocators need no help).
fn give_back_free_memory() {
    let t = Instant::now();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only releases free memory the allocator holds;
    // it locks each arena it walks, so other threads may allocate meanwhile.
    unsafe {
        libc::malloc_trim(0);
    }
    tracing::debug!(elapsed_ms = t.elapsed().as_millis() as u64, "free memory handed back to the system");
}
