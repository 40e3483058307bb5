//! The documented length limits of the text fields clients send when they create tasks
//! and batches. The request handlers enforce them and the API description states them.

/// The longest `displayName` a created task or batch may have.
pub const MAX_DISPLAY_NAME_CHARS: usize = 256;
/// The longest `description` a created task or batch may have.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// The longest `externalId` a created task may have.
pub const MAX_EXTERNAL_ID_CHARS: usize = 256;
