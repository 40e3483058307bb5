//! What demo tasks and batches are called: file names, descriptions, external ids and
//! document URLs in the style of the built-in demo data set (`fixtures/generate_demo.py`),
//! drawn from a slot's generator. Running numbers come from the slot's index, so names look
//! sequential without any state.

use chrono::{DateTime, Datelike, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::WorkspaceKind;

/// Where demo documents are "uploaded from".
const DOCUMENT_HOST: &str = "https://files.northwind.example/demo/";

/// A URL path segment keeps letters, digits and `-._~`; everything else is escaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A demo task's document: what Create Task would have been sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDocument {
    pub display_name: String,
    pub description: Option<String>,
    /// `context.url`: the file name under a demo host.
    pub url: String,
    /// `context.transcriptLanguage`, for recordings.
    pub transcript_language: Option<&'static str>,
    /// About three in ten tasks carry their source system's id.
    pub external_id: Option<String>,
}

/// A demo batch's name and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBatch {
    pub display_name: String,
    pub description: Option<String>,
}

const SUPPLIERS: [&str; 16] = [
    "Exotic Liquids",
    "Tokyo Traders",
    "Pavlova, Ltd.",
    "Specialty Biscuits, Ltd.",
    "PB Knäckebröd AB",
    "Heli Süßwaren GmbH & Co. KG",
    "Formaggi Fortini s.r.l.",
    "Norske Meierier",
    "Bigfoot Breweries",
    "Svensk Sjöföda AB",
    "Leka Trading",
    "Zaanse Snoepfabriek",
    "Karkki Oy",
    "G'day, Mate",
    "Ma Maison",
    "Pasta Buttini s.r.l.",
];
const PARTIES: [&str; 10] = [
    "Fabrikam",
    "Adatum",
    "Litware",
    "Tailspin Toys",
    "Woodgrove Bank",
    "Fourth Coffee",
    "Alpine Ski House",
    "Wide World Importers",
    "Proseware",
    "Coho Winery",
];
const CITIES: [&str; 5] = ["Seattle", "London", "Hamburg", "Lyon", "Osaka"];
const RECEIPTS: [(&str, &str); 7] = [
    ("taxi", "Taxi fare, customer visit."),
    ("hotel", "Hotel stay for the trade fair."),
    ("fuel", "Fuel for the delivery van."),
    ("parking", "Airport parking."),
    ("restaurant", "Lunch with a customer."),
    ("train", "Train ticket, supplier visit."),
    ("office", "Office supplies."),
];
const MEETINGS: [(&str, &str, &[&str]); 5] = [
    ("board-meeting", "Quarterly board meeting.", &["mp3", "mp4"]),
    ("weekly-sales-sync", "Weekly sales sync.", &["m4a", "mp3"]),
    ("warehouse-briefing", "Warehouse safety briefing.", &["mp3"]),
    ("all-hands", "All-hands meeting recording.", &["mp4"]),
    (
        "customer-interview",
        "Customer interview for the catalogue.",
        &["m4a"],
    ),
];
const IDENTITY: [(&str, &str); 4] = [
    ("passport_scan", "Passport copy for client onboarding."),
    ("id_card", "ID card, front and back."),
    ("drivers_license", "Driving licence for an identity check."),
    ("residence_permit", "Residence permit renewal."),
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("a non-empty list")
}

/// An optional description: about a quarter of the tasks have none.
fn maybe(rng: &mut StdRng, description: String) -> Option<String> {
    (rng.gen::<f64>() >= 0.25).then_some(description)
}

/// The file-name form of a company name: ASCII, lower case, dashes.
fn slug(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            'ä' | 'å' | 'á' | 'à' | 'â' => "a".to_owned(),
            'ö' | 'ø' | 'ó' | 'ô' => "o".to_owned(),
            'ü' | 'ú' => "u".to_owned(),
            'é' | 'è' | 'ê' => "e".to_owned(),
            'ß' => "ss".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase().to_string(),
            _ => " ".to_owned(),
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join("-")
}

fn time_of(at: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(at, 0).unwrap_or_default()
}

/// A document's name, description and external id, before the optional parts are drawn.
type Drawn = (String, String, String);

/// The document of slot `index`, created at `at` (Unix seconds) in a workspace of `kind`.
pub(super) fn document(rng: &mut StdRng, index: i64, at: i64, kind: WorkspaceKind) -> DemoDocument {
    let d = time_of(at);
    let number = index + 1;
    let (name, description, external_id) = match kind {
        WorkspaceKind::Invoices => invoice(rng, number, d),
        WorkspaceKind::Receipts => receipt(rng, number, d),
        WorkspaceKind::Transcripts => recording(rng, number, d),
        WorkspaceKind::Contracts => contract(rng, number, d),
        WorkspaceKind::Identity => identity(rng, number, d),
        WorkspaceKind::Documents => other_document(rng, number, d),
    };
    let description = maybe(rng, description);
    let external_id = (rng.gen::<f64>() < 0.3).then_some(external_id);
    DemoDocument {
        url: format!("{DOCUMENT_HOST}{}", utf8_percent_encode(&name, SEGMENT)),
        display_name: name,
        description,
        transcript_language: (kind == WorkspaceKind::Transcripts).then_some("en-US"),
        external_id,
    }
}

/// An invoice: a numbered file, a supplier's, a scan or an e-mail attachment.
fn invoice(rng: &mut StdRng, number: i64, d: DateTime<Utc>) -> Drawn {
    let year = d.year();
    let supplier = *pick(rng, &SUPPLIERS);
    let name = match rng.gen_range(0..100) {
        0..40 => format!("invoice_{year}_{:04}.pdf", (5_000 + number) % 10_000),
        40..65 => format!(
            "{}_invoice_{}.pdf",
            slug(supplier),
            rng.gen_range(1_000..100_000)
        ),
        65..85 => format!("scan_{}.pdf", d.format("%Y%m%d_%H%M%S")),
        _ => format!(
            "{supplier} - Invoice {}.pdf",
            rng.gen_range(10_000..100_000)
        ),
    };
    let description = match rng.gen_range(0..5) {
        0 => format!("Invoice from {supplier}."),
        1 => format!("Monthly delivery invoice, {supplier}."),
        2 => "Freight invoice, Speedy Express.".to_owned(),
        3 => "Credit note for a damaged delivery.".to_owned(),
        _ => format!(
            "Scanned paper invoice from the {} warehouse.",
            pick(rng, &CITIES[..3])
        ),
    };
    (
        name,
        description,
        format!("INV-{year}-{:06}", 700_000 + number % 300_000),
    )
}

/// An expense receipt: mostly phone photos.
fn receipt(rng: &mut StdRng, number: i64, d: DateTime<Utc>) -> Drawn {
    let year = d.year();
    let (what, description) = *pick(rng, &RECEIPTS);
    let name = match rng.gen_range(0..100) {
        0..30 => format!("IMG_{:04}.jpg", (number * 7 + 1_000) % 10_000),
        30..50 => format!(
            "PXL_{}{:03}.jpg",
            d.format("%Y%m%d_%H%M%S"),
            rng.gen_range(0..1_000)
        ),
        50..75 => format!("receipt_{}.jpg", d.format("%Y%m%d_%H%M")),
        _ => format!(
            "{what}-receipt-{}.{}",
            d.format("%Y-%m-%d"),
            pick(rng, &["png", "pdf"])
        ),
    };
    (
        name,
        description.to_owned(),
        format!("EXP-{year}-{:05}", 70_000 + number % 30_000),
    )
}

/// A meeting recording to transcribe.
fn recording(rng: &mut StdRng, number: i64, d: DateTime<Utc>) -> Drawn {
    let (stem, description, extensions) = *pick(rng, &MEETINGS);
    let name = format!("{stem}-{}.{}", d.format("%Y-%m-%d"), pick(rng, extensions));
    (
        name,
        description.to_owned(),
        format!("MTG-{}-{:02}", d.format("%Y%m%d"), number % 100),
    )
}

/// A contract to anonymize.
fn contract(rng: &mut StdRng, number: i64, d: DateTime<Utc>) -> Drawn {
    let year = d.year();
    let party = *pick(rng, &PARTIES);
    let (name, description) = match rng.gen_range(0..4) {
        0 => (
            format!(
                "NDA_{}_{}.docx",
                party.replace(' ', "_"),
                d.format("%Y-%m-%d")
            ),
            format!("NDA with {party}; mask names and addresses."),
        ),
        1 => (
            format!(
                "service-agreement-{}-v{}.pdf",
                slug(party),
                rng.gen_range(1..7)
            ),
            format!("Service agreement, {party}."),
        ),
        2 => (
            format!("lease_agreement_{year}_{:03}.pdf", number % 1_000),
            "Lease agreement for the data room.".to_owned(),
        ),
        _ => (
            format!("{party} SPA draft {}.docx", rng.gen_range(1..10)),
            format!("Share purchase agreement draft, {party}."),
        ),
    };
    (
        name,
        description,
        format!("CTR-D{:05X}", number % 0x10_0000),
    )
}

/// An identity document for a KYC check.
fn identity(rng: &mut StdRng, number: i64, d: DateTime<Utc>) -> Drawn {
    let year = d.year();
    let (stem, description) = *pick(rng, &IDENTITY);
    let extension = pick(rng, &["jpg", "png", "pdf"]);
    let name = format!("{stem}_{year}_{:04}.{extension}", number % 10_000);
    (
        name,
        description.to_owned(),
        format!("KYC-9{:06}", number % 1_000_000),
    )
}

/// Any other incoming document.
fn other_document(rng: &mut StdRng, number: i64, d: DateTime<Utc>) -> Drawn {
    let year = d.year();
    let name = match rng.gen_range(0..3) {
        0 => format!("document_{year}_{:05}.pdf", number % 100_000),
        1 => format!("scan_{}.pdf", d.format("%Y%m%d_%H%M%S")),
        _ => {
            let party = *pick(rng, &PARTIES);
            format!("letter-{}-{}.pdf", slug(party), d.format("%Y-%m-%d"))
        }
    };
    (
        name,
        "Scanned incoming mail.".to_owned(),
        format!("DOC-{year}-{:06}", number % 1_000_000),
    )
}

/// The name and description of the batch of `cycle`, created at `at` in a workspace of
/// `kind`. The name ends with the upload's running number, so that the many batches of one
/// month can be told apart.
pub(super) fn batch(rng: &mut StdRng, cycle: i64, at: i64, kind: WorkspaceKind) -> DemoBatch {
    let d = time_of(at);
    let year = d.year();
    let month = format!("{} {year}", d.format("%B"));
    let quarter = format!("Q{} {year}", d.month0() / 3 + 1);
    let (display_name, description) = match (kind, rng.gen_range(0..2)) {
        (WorkspaceKind::Invoices, 0) => (
            format!("Supplier invoices {month}"),
            Some("Scanned invoices from the Seattle warehouse."),
        ),
        (WorkspaceKind::Invoices, _) => (format!("Invoice backlog {quarter}"), None),
        (WorkspaceKind::Receipts, 0) => (
            format!("Expense reports {month}"),
            Some("Receipts submitted with the monthly expense reports."),
        ),
        (WorkspaceKind::Receipts, _) => (
            format!("Trade fair expenses – {} {year}", pick(rng, &CITIES)),
            None,
        ),
        (WorkspaceKind::Transcripts, 0) => (
            format!("Board meetings {year}"),
            Some("Recordings to transcribe for the minutes."),
        ),
        (WorkspaceKind::Transcripts, _) => (format!("Sales syncs {quarter}"), None),
        (WorkspaceKind::Contracts, 0) => (
            format!("Due diligence – {} acquisition", pick(rng, &PARTIES)),
            Some("Data-room contracts to anonymize before disclosure."),
        ),
        (WorkspaceKind::Contracts, _) => (format!("Precedent library import {month}"), None),
        (WorkspaceKind::Identity, 0) => (
            format!("KYC onboarding {month}"),
            Some("Identity documents of newly onboarded clients."),
        ),
        (WorkspaceKind::Identity, _) => (format!("Periodic ID review {quarter}"), None),
        (WorkspaceKind::Documents, _) => (format!("Mail scans {month}"), None),
    };
    DemoBatch {
        display_name: format!("{display_name} #{}", cycle + 1),
        description: description.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// 2026-11-01T12:00:15Z
    const AT: i64 = 1_793_534_415;

    #[test]
    fn names_look_like_the_demo_data_and_urls_are_escaped() {
        let kinds = [
            (WorkspaceKind::Invoices, [".pdf"].as_slice()),
            (WorkspaceKind::Receipts, &[".jpg", ".png", ".pdf"]),
            (WorkspaceKind::Transcripts, &[".mp3", ".mp4", ".m4a"]),
            (WorkspaceKind::Contracts, &[".pdf", ".docx"]),
            (WorkspaceKind::Identity, &[".jpg", ".png", ".pdf"]),
            (WorkspaceKind::Documents, &[".pdf"]),
        ];
        for (kind, extensions) in kinds {
            for index in 0..40 {
                let mut rng = StdRng::seed_from_u64(index as u64);
                let document = document(&mut rng, index, AT, kind);
                let name = &document.display_name;
                assert!(
                    extensions.iter().any(|e| name.ends_with(e)),
                    "{kind:?}: {name}"
                );
                assert!(name.chars().any(|c| c.is_ascii_digit()), "{name}");
                assert!(document.url.starts_with(DOCUMENT_HOST), "{}", document.url);
                assert!(!document.url.contains(' '), "{}", document.url);
            }
        }
    }

    #[test]
    fn slugs_are_ascii_lower_case_with_dashes() {
        assert_eq!(
            slug("Heli Süßwaren GmbH & Co. KG"),
            "heli-susswaren-gmbh-co-kg"
        );
        assert_eq!(slug("G'day, Mate"), "g-day-mate");
    }

    #[test]
    fn batches_are_named_after_their_month_or_quarter() {
        let mut rng = StdRng::seed_from_u64(1);
        let names: Vec<String> = (0..8)
            .map(|_| batch(&mut rng, 2, AT, WorkspaceKind::Invoices).display_name)
            .collect();
        for name in &names {
            assert!(
                name == "Supplier invoices November 2026 #3"
                    || name == "Invoice backlog Q4 2026 #3",
                "{name}"
            );
        }
    }
}
