//! The control plane's reserved path prefix: paths under it are never emulated, journaled or
//! subject to faults, and a fault rule may not name them.

/// The prefix of every control-plane path.
pub const PREFIX: &str = "/_emulator";

/// Whether `path` belongs to the control plane (and so skips the journal and faults).
pub fn is_control_plane(path: &str) -> bool {
    path == PREFIX || path.starts_with("/_emulator/")
}
