//! The files behind sdemu's file links: small, valid documents of the promised format, made
//! with well-kept crates (a `.docx` is a zip of WordprocessingML parts, written with `zip`;
//! PDF with `pdf-writer`; PNG with `png`; JPEG with `jpeg-encoder`; WAV with `hound`). Their
//! content is the task's made-up content (`content`), so the same link always serves the
//! same bytes.

use std::io::{Cursor, Write};

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::domain::export::content::Transcript;

/// A file format sdemu serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Docx,
    Pdf,
    Jpeg,
    Png,
    Wav,
}

impl FileFormat {
    pub const ALL: [Self; 5] = [Self::Docx, Self::Pdf, Self::Jpeg, Self::Png, Self::Wav];

    /// The name kept in the database and used as the file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Docx => "docx",
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Wav => "wav",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|format| format.extension() == extension)
    }

    /// An anonymization option's format (`PDF`, `JPEG`, `PNG`).
    pub fn from_option(name: &str) -> Self {
        match name {
            "JPEG" => Self::Jpeg,
            "PNG" => Self::Png,
            _ => Self::Pdf,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Wav => "audio/wav",
        }
    }

    /// The format of an original document, from its URL's extension: images as PNG or
    /// JPEG, recordings as WAV, everything else as PDF.
    pub fn of_original(document_url: &str) -> Self {
        match crate::domain::lifecycle::extension_of(document_url).as_deref() {
            Some("jpg" | "jpeg") => Self::Jpeg,
            Some("png" | "gif" | "bmp" | "tif" | "tiff" | "webp" | "heic") => Self::Png,
            Some("wav" | "mp3" | "m4a" | "ogg" | "flac" | "aac" | "wma" | "mp4" | "webm") => {
                Self::Wav
            }
            _ => Self::Pdf,
        }
    }
}

/// How a transcript `.docx` is written (the Url To File (Transcripts) options).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocxOptions {
    pub timestamps: bool,
    pub speakers: bool,
    pub merge_paragraphs: bool,
}

/// The lines of a transcript document, with the options applied.
pub fn transcript_lines(transcript: &Transcript, options: DocxOptions) -> Vec<String> {
    let mut lines: Vec<(String, i64, String)> = Vec::new();
    for paragraph in &transcript.paragraphs {
        match lines.last_mut() {
            Some((speaker, _, text))
                if options.merge_paragraphs && *speaker == paragraph.speaker_id =>
            {
                text.push(' ');
                text.push_str(&paragraph.text);
            }
            _ => lines.push((
                paragraph.speaker_id.clone(),
                paragraph.start_time,
                paragraph.text.clone(),
            )),
        }
    }
    lines
        .into_iter()
        .map(|(speaker_id, start, text)| {
            let mut line = String::new();
            if options.timestamps {
                line.push_str(&format!(
                    "[{:02}:{:02}:{:02}] ",
                    start / 3600,
                    start / 60 % 60,
                    start % 60
                ));
            }
            if options.speakers {
                line.push_str(&transcript.speaker_label(&speaker_id));
                line.push_str(": ");
            }
            line.push_str(&text);
            line
        })
        .collect()
}

fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const PACKAGE_RELATIONSHIPS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// A `.docx` with a bold title and one paragraph per line.
pub fn docx(title: &str, lines: &[String]) -> std::io::Result<Vec<u8>> {
    let mut body = format!(
        r#"<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        xml_escape(title)
    );
    for line in lines {
        body.push_str(&format!(
            r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
            xml_escape(line)
        ));
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, part) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELATIONSHIPS),
        ("word/document.xml", document.as_str()),
    ] {
        archive
            .start_file(name, options)
            .map_err(std::io::Error::other)?;
        archive.write_all(part.as_bytes())?;
    }
    Ok(archive
        .finish()
        .map_err(std::io::Error::other)?
        .into_inner())
}

/// The PDF base fonts use a Latin encoding: other characters are written as `?`.
fn pdf_text(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as u8
            } else {
                b'?'
            }
        })
        .collect()
}

/// The most pages a PDF sdemu serves has (a task may say it has more).
pub const MAX_PDF_PAGES: i64 = 50;

/// An A4 PDF of `pages` pages (1 to `MAX_PDF_PAGES`), each with the title, its page number
/// and, when `redacted`, black bars where an anonymization hid personal data.
pub fn pdf(title: &str, pages: i64, redacted: bool) -> Vec<u8> {
    let pages = pages.clamp(1, MAX_PDF_PAGES) as i32;
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let page_ref = |index: i32| Ref::new(4 + 2 * index);
    let content_ref = |index: i32| Ref::new(5 + 2 * index);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..pages).map(page_ref)).count(pages);
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    for index in 0..pages {
        let mut page = pdf.page(page_ref(index));
        page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        page.parent(tree);
        page.contents(content_ref(index));
        page.resources().fonts().pair(Name(b"F1"), font);
        page.finish();
        let mut content = Content::new();
        content
            .begin_text()
            .set_font(Name(b"F1"), 16.0)
            .next_line(72.0, 770.0)
            .show(Str(&pdf_text(title)))
            .end_text();
        content
            .begin_text()
            .set_font(Name(b"F1"), 10.0)
            .next_line(72.0, 60.0)
            .show(Str(format!("Page {} of {pages}", index + 1).as_bytes()))
            .end_text();
        for line in 0..12 {
            let y = 700.0 - 40.0 * line as f32;
            content
                .set_fill_gray(0.8)
                .rect(72.0, y, 451.0, 10.0)
                .fill_nonzero();
            if redacted && line % 3 == 1 {
                content
                    .set_fill_gray(0.0)
                    .rect(150.0, y - 2.0, 160.0, 14.0)
                    .fill_nonzero();
            }
        }
        pdf.stream(content_ref(index), &content.finish());
    }
    pdf.finish()
}

/// The first page as a picture: white, grey lines of text and, when `redacted`, black
/// redaction bars; RGB.
fn page_picture(redacted: bool) -> (u32, u32, Vec<u8>) {
    let (width, height) = (240u32, 320u32);
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    for y in 0..height {
        for x in 0..width {
            let line = y / 20;
            let in_line =
                (30..height - 30).contains(&y) && y % 20 < 6 && (24..width - 24).contains(&x);
            let bar = redacted && in_line && line % 3 == 1 && (60..150).contains(&x);
            let value = if bar {
                0
            } else if in_line {
                200
            } else {
                255
            };
            let at = ((y * width + x) * 3) as usize;
            pixels[at..at + 3].fill(value);
        }
    }
    (width, height, pixels)
}

/// A PNG of the first page.
pub fn png(redacted: bool) -> Result<Vec<u8>, png::EncodingError> {
    let (width, height, pixels) = page_picture(redacted);
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(bytes)
}

/// A JPEG of the first page.
pub fn jpeg(redacted: bool) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
    let (width, height, pixels) = page_picture(redacted);
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 85).encode(
        &pixels,
        width as u16,
        height as u16,
        jpeg_encoder::ColorType::Rgb,
    )?;
    Ok(bytes)
}

/// A second of silence (8 kHz, mono, 16-bit PCM): the stand-in for a recording.
pub fn wav() -> Result<Vec<u8>, hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec)?;
    for _ in 0..8000 {
        writer.write_sample(0i16)?;
    }
    writer.finalize()?;
    Ok(bytes.into_inner())
}

/// What a file is made from.
#[derive(Debug, Clone, Copy)]
pub struct FileSource<'a> {
    pub task_id: i64,
    pub title: &'a str,
    pub total_pages: i64,
    pub format: FileFormat,
    /// An export is anonymized (redaction bars) or a transcript document; an original is
    /// the plain document.
    pub exported: bool,
    pub options: DocxOptions,
    /// The task's speakers (Task Speakers, or its workspace's), who speak a transcript.
    pub speakers: &'a [crate::domain::speakers::TaskSpeaker],
}

/// The bytes of a file.
pub fn render(source: FileSource<'_>) -> std::io::Result<Vec<u8>> {
    let redacted = source.exported;
    match source.format {
        FileFormat::Docx => {
            let transcript =
                crate::domain::export::content::transcript_with(source.task_id, source.speakers);
            docx(source.title, &transcript_lines(&transcript, source.options))
        }
        FileFormat::Pdf => Ok(pdf(source.title, source.total_pages, redacted)),
        FileFormat::Png => png(redacted).map_err(std::io::Error::other),
        FileFormat::Jpeg => jpeg(redacted).map_err(std::io::Error::other),
        FileFormat::Wav => wav().map_err(std::io::Error::other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::content::transcript;

    #[test]
    fn options_shape_the_transcript_lines() {
        let transcript = transcript(11);
        let plain = transcript_lines(&transcript, DocxOptions::default());
        assert_eq!(plain.len(), transcript.paragraphs.len());
        assert_eq!(plain[0], transcript.paragraphs[0].text);
        let full = transcript_lines(
            &transcript,
            DocxOptions {
                timestamps: true,
                speakers: true,
                merge_paragraphs: false,
            },
        );
        let first = &transcript.paragraphs[0];
        assert!(full[0].starts_with(&format!(
            "[00:00:00] {}: ",
            transcript.speaker_name(&first.speaker_id)
        )));
    }

    #[test]
    fn merged_paragraphs_join_one_speakers_consecutive_paragraphs() {
        let merged = (1..200)
            .map(transcript)
            .find(|t| {
                t.paragraphs
                    .windows(2)
                    .any(|w| w[0].speaker_id == w[1].speaker_id)
            })
            .expect("some transcript has a speaker speak twice in a row");
        let lines = transcript_lines(
            &merged,
            DocxOptions {
                merge_paragraphs: true,
                ..DocxOptions::default()
            },
        );
        assert!(lines.len() < merged.paragraphs.len());
    }

    #[test]
    fn xml_special_characters_are_escaped() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn originals_are_served_in_the_format_their_url_names() {
        assert_eq!(
            FileFormat::of_original("https://x/a.JPG?sig=1"),
            FileFormat::Jpeg
        );
        assert_eq!(FileFormat::of_original("https://x/a.tiff"), FileFormat::Png);
        assert_eq!(
            FileFormat::of_original("https://x/call.mp3"),
            FileFormat::Wav
        );
        assert_eq!(FileFormat::of_original("https://x/report"), FileFormat::Pdf);
    }
}
