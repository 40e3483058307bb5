//! The limits sdemu enforces on what clients send: the documented length limits of the text
//! fields of created tasks and batches, and sdemu's own limits on request sizes. The request
//! readers and handlers enforce them and the API description states them.

/// The longest `displayName` a created task or batch may have.
pub const MAX_DISPLAY_NAME_CHARS: usize = 256;
/// The longest `description` a created task or batch may have.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// The longest `externalId` a created task may have.
pub const MAX_EXTERNAL_ID_CHARS: usize = 256;

/// The largest JSON body the emulated API reads; larger ones get a 413 problem body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The largest body the control plane reads (a seed document or fault rules).
pub const MAX_CONTROL_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The largest token request body sdemu reads; a real one is about 100 bytes.
pub const MAX_TOKEN_REQUEST_BYTES: usize = 8 * 1024;
/// The longest query string sdemu reads; longer ones get 414 URI Too Long.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// The most values one query parameter may repeat; more is a 400.
pub const MAX_VALUES_PER_PARAMETER: usize = 1_000;
/// The largest captured export payload a fixture's `exports` entry may give (its JSON,
/// serialized); larger ones are a fixture problem.
pub const MAX_CAPTURED_EXPORT_BYTES: usize = 1024 * 1024;

/// The longest `speakerId` a speaker may have (the documented example is a 36-character
/// GUID).
pub const MAX_SPEAKER_ID_CHARS: usize = 64;
/// The longest `speakerName` a speaker may have.
pub const MAX_SPEAKER_NAME_CHARS: usize = 256;
/// The longest `speakerPrefix` or `speakerSuffix` a speaker may have.
pub const MAX_SPEAKER_AFFIX_CHARS: usize = 64;
/// The most speakers a workspace or a task may have.
pub const MAX_SPEAKERS: usize = 100;
/// The most users one invitation request may name.
pub const MAX_INVITED_USERS: usize = 100;
