//! Every login hashes its password with Argon2id, which takes 19 MiB for a moment. Run on the
//! host's many worker threads, glibc's allocator would keep each thread's 19 MiB once freed
//! (its adaptive threshold moves large blocks from mmap into per-thread heaps that are rarely
//! trimmed): thirty desks logging in left a headless host holding 570 MiB. A fixed threshold
//! keeps large blocks in mmap, so they go back to the system when freed.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn give_back_large_buffers() {
    // Blocks of 1 MiB and up are mapped on their own; setting the value also stops glibc
    // from raising it.
    // SAFETY: mallopt only changes allocator tuning and is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn give_back_large_buffers() {}
