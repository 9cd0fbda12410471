//! Commands for the memory-reuse test (tests/memory_reuse.rs): write a
//! secret pattern across linear memory, and scan all of linear memory for
//! it. The pattern is stored transformed (each byte XOR 0x5a), so the
//! command's own argument, which is also in memory, never matches.

/// Fills `mib` MiB of fresh heap with the transformed `pattern` and keeps
/// it (the instance ends with the call anyway).
pub fn write(pattern: &str, mib: usize) -> usize {
    let unit: Vec<u8> = pattern.bytes().map(|b| b ^ 0x5a).collect();
    let mut block = Vec::with_capacity(mib << 20);
    while block.len() + unit.len() <= mib << 20 {
        block.extend_from_slice(&unit);
    }
    let len = block.len();
    std::hint::black_box(Box::leak(block.into_boxed_slice()));
    len
}

/// How many times the transformed `pattern` occurs in the whole of linear
/// memory 0.
pub fn scan(pattern: &str) -> usize {
    let unit: Vec<u8> = pattern.bytes().map(|b| b ^ 0x5a).collect();
    #[cfg(target_arch = "wasm32")]
    let size = core::arch::wasm32::memory_size(0) << 16;
    #[cfg(not(target_arch = "wasm32"))]
    let size = 0;
    // The scan's own copy of the pattern is not a find.
    let own = unit.as_ptr() as usize;
    let mut found = 0;
    let mut at = 0;
    while at + unit.len() <= size {
        if at == own {
            at += unit.len();
            continue;
        }
        // Reading linear memory through raw pointers: address 0 to its
        // current size is mapped in a wasm instance.
        let window = unsafe { core::slice::from_raw_parts(at as *const u8, unit.len()) };
        if window == unit.as_slice() {
            found += 1;
            at += unit.len();
        } else {
            at += 1;
        }
    }
    found
}
