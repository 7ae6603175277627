//! Typesetting with the typst library: an in-memory world holding one markup file, the charts as
//! SVG files and the embedded fonts; compiled to a paged document and exported as PDF.
//!
//! Nothing is read from disk or the network and no clock is consulted, so the same markup and
//! charts always give the same bytes. File ids are interned by typst for the life of the process,
//! so the world names its files from a small fixed set (`/report.typ`, `/charts/<name>.svg`).

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::layout::Frame;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use crate::ReportError;

/// The font family every report is set in (DejaVu Sans, embedded); the charts' text falls back to
/// it too.
pub const FONT_FAMILY: &str = "DejaVu Sans";

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let files: [&'static [u8]; 6] = [
        dejavu::sans::regular(),
        dejavu::sans::bold(),
        dejavu::sans::oblique(),
        dejavu::sans::bold_oblique(),
        dejavu::sans_mono::regular(),
        dejavu::sans_mono::bold(),
    ];
    let fonts: Vec<Font> = files
        .into_iter()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| ReportError::Typeset(format!("bad virtual path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// A chart handed to the markup as an SVG file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The file name under `/charts/`, without extension: letters, digits and `-` only.
    pub name: String,
    /// The complete `<svg>` document.
    pub svg: String,
}

impl Chart {
    pub fn new(name: impl Into<String>, svg: String) -> Self {
        Chart {
            name: name.into(),
            svg,
        }
    }

    /// The path the markup uses for this chart, e.g. `/charts/trend.svg`.
    pub fn path(&self) -> String {
        format!("/charts/{}.svg", self.name)
    }
}

struct ReportWorld {
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // Reports carry the date they were made for in their text; typst's clock is not used.
        None
    }
}

fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let hints: String = e
                .hints
                .iter()
                .map(|h| format!(" (hint: {})", h.v))
                .collect();
            format!("{}{hints}", e.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Lays `markup` out into pages, with `charts` available under `/charts/`.
pub fn layout(markup: &str, charts: &[Chart]) -> Result<PagedDocument, ReportError> {
    let mut files = Vec::with_capacity(charts.len());
    for c in charts {
        if c.name.is_empty()
            || !c
                .name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        {
            return Err(ReportError::Typeset(format!(
                "chart name '{}' is not letters, digits and dashes",
                c.name
            )));
        }
        files.push((file_id(&c.path())?, Bytes::from_string(c.svg.clone())));
    }
    let world = ReportWorld {
        main: Source::new(file_id("/report.typ")?, markup.to_owned()),
        files,
    };
    let result = typst::compile::<PagedDocument>(&world).output;
    // Typst memoises across compilations; keep only what recent reports used, so a long-running
    // server does not grow without bound.
    typst::comemo::evict(4);
    result.map_err(|errors| ReportError::Typeset(diagnostics(&errors)))
}

/// Exports a laid-out document as PDF (tagged, with a stable document identifier and no creation
/// timestamp, so equal input gives equal bytes).
pub fn pdf(document: &PagedDocument, ident: &str) -> Result<Vec<u8>, ReportError> {
    let options = PdfOptions {
        ident: Smart::Custom(ident.to_owned()),
        creator: Smart::Custom(Some("Cephalog".to_owned())),
        ..PdfOptions::default()
    };
    typst_pdf::pdf(document, &options).map_err(|errors| ReportError::Typeset(diagnostics(&errors)))
}

/// The text of a laid-out document, page by page: each run of text as typeset, runs joined by
/// spaces. For tests and checks; the PDF is what readers get.
pub fn page_texts(document: &PagedDocument) -> Vec<String> {
    fn walk(frame: &Frame, out: &mut Vec<String>) {
        for (_, item) in frame.items() {
            match item {
                typst::layout::FrameItem::Group(g) => walk(&g.frame, out),
                typst::layout::FrameItem::Text(t) => out.push(t.text.to_string()),
                _ => {}
            }
        }
    }
    document
        .pages()
        .iter()
        .map(|p| {
            let mut runs = Vec::new();
            walk(&p.frame, &mut runs);
            runs.join(" ")
        })
        .collect()
}
