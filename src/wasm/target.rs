//! How plugin code executes (native code or the Pulley interpreter), for
//! which target it is compiled, and the address space an engine's instance
//! pool may reserve there.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use target_lexicon::{Architecture, PointerWidth, Triple};

use super::EngineError;

/// How plugins run (see [`EngineConfig::execution`](crate::EngineConfig::execution)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Execution {
    /// Machine code compiled by Cranelift: x86_64, aarch64, riscv64 and
    /// s390x.
    Native,
    /// Bytecode run by wasmtime's portable interpreter, Pulley: every
    /// target, including those Cranelift has no backend for (armv7 and
    /// every other 32-bit target) and platforms that forbid executable
    /// memory. Compute runs several times slower than native code
    /// (`make bench`); waiting on the network costs the same.
    Pulley,
}

impl Execution {
    /// Both strategies.
    pub const ALL: [Execution; 2] = [Execution::Native, Execution::Pulley];

    /// `"native"` or `"pulley"`.
    pub fn name(self) -> &'static str {
        match self {
            Execution::Native => "native",
            Execution::Pulley => "pulley",
        }
    }

    /// The default for `target`: native code where Cranelift has a backend
    /// for it, else Pulley.
    pub(crate) fn default_for(target: &Triple) -> Execution {
        if has_native_backend(target) {
            Execution::Native
        } else {
            Execution::Pulley
        }
    }

    /// The default where this build runs.
    pub fn host_default() -> Execution {
        Execution::default_for(&Triple::host())
    }

    /// Whether this build of BEX can run plugins this way on this machine.
    pub fn available(self) -> Result<(), String> {
        let host = Triple::host();
        match self {
            Execution::Native if !has_native_backend(&host) => Err(format!(
                "native execution is not available on {}: Cranelift has no backend for {}; use pulley",
                host, host.architecture
            )),
            Execution::Pulley if has_native_backend(&host) && !cfg!(feature = "pulley") => Err(
                "this build of BEX has no Pulley interpreter (built without the `pulley` feature)"
                    .into(),
            ),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Execution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Execution {
    type Err = String;

    fn from_str(s: &str) -> Result<Execution, String> {
        match s {
            "native" => Ok(Execution::Native),
            "pulley" => Ok(Execution::Pulley),
            other => Err(format!(
                "unknown execution \"{other}\" (expected native or pulley)"
            )),
        }
    }
}

fn has_native_backend(target: &Triple) -> bool {
    matches!(
        target.architecture,
        Architecture::X86_64 | Architecture::Aarch64(_) | Architecture::Riscv64(_)
    ) || target.architecture == Architecture::S390x
}

/// What plugin code is compiled for: the device's target triple and the
/// execution strategy on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CodeTarget {
    device: Triple,
    pub execution: Execution,
}

impl CodeTarget {
    /// This machine, running plugins with `execution` (checked to be
    /// available in this build).
    pub fn host(execution: Execution) -> Result<CodeTarget, EngineError> {
        execution.available().map_err(EngineError::Setup)?;
        Ok(CodeTarget {
            device: Triple::host(),
            execution,
        })
    }

    /// Another device (`bex precompile --target`): `execution` defaults to
    /// that device's own default.
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub fn device(triple: &str, execution: Option<Execution>) -> Result<CodeTarget, EngineError> {
        let device = Triple::from_str(triple)
            .map_err(|e| EngineError::Setup(format!("target \"{triple}\": {e}")))?;
        let execution = execution.unwrap_or_else(|| Execution::default_for(&device));
        if execution == Execution::Native && !has_native_backend(&device) {
            return Err(EngineError::Setup(format!(
                "{triple} has no native execution (Cranelift has no backend for {}); precompile for pulley",
                device.architecture
            )));
        }
        if device.pointer_width().is_err() || device.endianness().is_err() {
            return Err(EngineError::Setup(format!(
                "target \"{triple}\": unknown pointer width or byte order"
            )));
        }
        Ok(CodeTarget { device, execution })
    }

    /// Whether this is the machine BEX runs on.
    pub fn is_host(&self) -> bool {
        self.device == Triple::host()
    }

    /// The device's pointer width in bits.
    pub fn pointer_bits(&self) -> u32 {
        match self.device.pointer_width() {
            Ok(PointerWidth::U16) => 16,
            Ok(PointerWidth::U32) => 32,
            _ => 64,
        }
    }

    /// The target wasmtime compiles for: the device itself for native
    /// code, `pulley32`/`pulley64` (`be` for big-endian) for Pulley, whose
    /// bytecode runs on any device of that width and byte order.
    pub fn wasmtime_target(&self) -> String {
        match self.execution {
            Execution::Native => self.device.to_string(),
            Execution::Pulley => {
                let big = matches!(
                    self.device.endianness(),
                    Ok(target_lexicon::Endianness::Big)
                );
                format!(
                    "pulley{}{}",
                    self.pointer_bits(),
                    if big { "be" } else { "" }
                )
            }
        }
    }

    /// The device's triple.
    pub fn device_triple(&self) -> String {
        self.device.to_string()
    }
}

/// The most address space the instance pool may reserve on a target of
/// `pointer_bits`: 1 GiB of a 32-bit process, 1 TiB of a 64-bit one.
pub(crate) fn max_pool_reservation(pointer_bits: u32) -> u64 {
    if pointer_bits >= 64 { 1 << 40 } else { 1 << 30 }
}

/// The guard after each instance's memory: native code elides some bounds
/// checks against it; Pulley checks every access and needs none.
pub(crate) fn memory_guard_bytes(execution: Execution) -> u64 {
    match execution {
        Execution::Native => 64 << 10,
        Execution::Pulley => 0,
    }
}

/// Refuses a pool that cannot fit: `slots` instance slots, each reserving
/// the memory ceiling plus its guard, within [`max_pool_reservation`].
pub(crate) fn check_pool_fits(
    slots: u32,
    ceiling_mb: u32,
    target: &CodeTarget,
) -> Result<(), EngineError> {
    let slot = (u64::from(ceiling_mb) << 20) + memory_guard_bytes(target.execution);
    let total = slot.saturating_mul(u64::from(slots));
    let max = max_pool_reservation(target.pointer_bits());
    if total > max {
        return Err(EngineError::AddressSpace(format!(
            "{slots} execution slots of {ceiling_mb} MiB (the memory ceiling) would reserve {} MiB of address space, more than the {} MiB a {}-bit process may give plugins; lower max_executions or ceilings.memory_mb",
            total >> 20,
            max >> 20,
            target.pointer_bits()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn armv7() -> CodeTarget {
        CodeTarget::device("armv7-unknown-linux-gnueabihf", None).unwrap()
    }

    #[test]
    fn targets_without_cranelift_default_to_pulley() {
        let arm = armv7();
        assert_eq!(arm.execution, Execution::Pulley);
        assert_eq!(arm.pointer_bits(), 32);
        assert_eq!(arm.wasmtime_target(), "pulley32");
        let err = CodeTarget::device("armv7-unknown-linux-gnueabihf", Some(Execution::Native))
            .unwrap_err();
        assert!(err.to_string().contains("precompile for pulley"), "{err}");
        let a64 = CodeTarget::device("aarch64-unknown-linux-gnu", None).unwrap();
        assert_eq!(a64.execution, Execution::Native);
        assert_eq!(a64.wasmtime_target(), "aarch64-unknown-linux-gnu");
        let p64 = CodeTarget::device("aarch64-unknown-linux-gnu", Some(Execution::Pulley)).unwrap();
        assert_eq!(p64.wasmtime_target(), "pulley64");
        assert!(CodeTarget::device("not-a-triple-at-all", None).is_err());
    }

    #[test]
    fn execution_names_round_trip() {
        for e in Execution::ALL {
            assert_eq!(e.name().parse::<Execution>(), Ok(e));
        }
        assert!("jit".parse::<Execution>().is_err());
    }

    #[test]
    fn pools_that_cannot_fit_32_bits_are_refused_by_name() {
        let arm = armv7();
        // The 32-bit default: 4 slots of 64 MiB (engine::config's ceiling).
        check_pool_fits(4, 64, &arm).unwrap();
        // What qemu showed: 12 slots of 256 MiB failed inside wasmtime, and
        // 16 overflowed. Both are refused up front, naming the settings.
        for slots in [12, 16, u32::MAX] {
            let err = check_pool_fits(slots, 256, &arm).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("max_executions"), "{msg}");
            assert!(msg.contains("32-bit"), "{msg}");
        }
        let host64 = CodeTarget::device("x86_64-unknown-linux-gnu", None).unwrap();
        check_pool_fits(16, 256, &host64).unwrap();
        assert!(check_pool_fits(u32::MAX, 256, &host64).is_err());
    }
}
