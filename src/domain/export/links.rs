//! File links: what a link names, how its URL reads, and what a download of it answers by
//! the emulator's clock. Like the real service's SAS links they are unguessable (a random
//! token of 256 bits) and expire; the token is the only credential a download needs.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::export::files::{DocxOptions, FileFormat};

/// Where file links are served: under the control plane's prefix, a path the real API
/// never uses.
pub const FILES_PATH: &str = "/_emulator/files";

/// How many links each task keeps; issuing one more forgets the oldest (which then answer
/// like a link never issued).
pub const LINKS_PER_TASK: i64 = 20;

/// Which of a task's files a link names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The document as it was uploaded (`originalFileUrl`).
    Original,
    /// The export a Url To File configuration made (`exportedFileUrl`).
    Exported,
}

impl LinkPurpose {
    pub fn name(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Exported => "exported",
        }
    }

    pub fn from_name(name: &str) -> Self {
        if name == "exported" {
            Self::Exported
        } else {
            Self::Original
        }
    }
}

/// A link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLink {
    pub token: String,
    pub task_id: i64,
    pub purpose: LinkPurpose,
    pub format: FileFormat,
    /// How a transcript `.docx` is written.
    pub options: DocxOptions,
    pub created_at: i64,
    pub expires_at: i64,
}

impl FileLink {
    /// The file's name in the URL: `task-<id>-<purpose>.<extension>`.
    pub fn file_name(&self) -> String {
        format!(
            "task-{}-{}.{}",
            self.task_id,
            self.purpose.name(),
            self.format.extension()
        )
    }

    /// The link's URL under `base` (sdemu's public URL). The query repeats the expiry and
    /// the read permission the way a SAS link does (`se`, `sp`); sdemu reads neither.
    pub fn url(&self, base: &str) -> String {
        let expiry = DateTime::<Utc>::from_timestamp(self.expires_at, 0)
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default();
        format!(
            "{}{FILES_PATH}/{}/{}?se={}&sp=r",
            base.trim_end_matches('/'),
            self.token,
            self.file_name(),
            expiry.replace(':', "%3A"),
        )
    }
}

/// What a download finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    /// The file is served.
    Served,
    /// The link expired (403, as an expired SAS).
    Expired,
    /// The link was never issued, or forgotten (403, as a SAS whose signature is wrong).
    Unknown,
    /// The file was deleted: by the control plane, a reset or a seed, or its task is gone
    /// (404, as a blob that does not exist).
    Deleted,
}

/// Decides a download of `link` (and whether its file is deleted) at `now`. An expired link
/// answers 403 even when its file is deleted: storage checks the signature before the blob.
pub fn download(link: Option<(&FileLink, bool)>, now: i64) -> Download {
    match link {
        None => Download::Unknown,
        Some((link, _)) if now >= link.expires_at => Download::Expired,
        Some((_, true)) => Download::Deleted,
        Some((_, false)) => Download::Served,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> FileLink {
        FileLink {
            token: "abc".into(),
            task_id: 9,
            purpose: LinkPurpose::Exported,
            format: FileFormat::Docx,
            options: DocxOptions::default(),
            created_at: 0,
            expires_at: 3600,
        }
    }

    #[test]
    fn a_link_is_served_until_it_expires_and_a_deleted_file_is_404_before() {
        let link = link();
        assert_eq!(download(Some((&link, false)), 3599), Download::Served);
        assert_eq!(download(Some((&link, false)), 3600), Download::Expired);
        assert_eq!(download(Some((&link, true)), 10), Download::Deleted);
        assert_eq!(download(None, 10), Download::Unknown);
    }

    #[test]
    fn the_url_names_the_token_the_file_and_the_expiry() {
        assert_eq!(
            link().url("http://localhost:8080/"),
            "http://localhost:8080/_emulator/files/abc/task-9-exported.docx?se=1970-01-01T01%3A00%3A00Z&sp=r"
        );
    }
}
