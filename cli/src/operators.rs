//! The one list of built-in operators compiled into this binary. Each is behind its cargo
//! feature; registering is free (no SDK, runtime or network).

use tusk_registry::Registry;

pub fn register_all(registry: &mut Registry) {
    #[cfg(feature = "kubernetes")]
    tusk_kubernetes::register(registry);
    #[cfg(feature = "multicloud")]
    tusk_multicloud::register(registry);
    #[cfg(feature = "wasm")]
    tusk_wasm::register(registry);
    #[cfg(feature = "packages")]
    tusk_packages::register(registry);
    // Without any operator feature the parameter would be unused.
    let _ = &registry;
}
