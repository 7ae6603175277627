//! The pieces every page is laid out with — the navigation, the patient header, the error page —
//! in a leaf module that depends on nothing else in this crate, so the error responses, the pages
//! and the access checks can all use them without depending on one another.

use askama::Template;
use chrono::NaiveDate;
use uuid::Uuid;

use cephalog_store::PatientRecord;

/// A link in the top navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in user's navigation.
#[derive(Debug, Clone)]
pub struct Nav {
    pub display_name: String,
    pub role: &'static str,
    pub links: Vec<NavLink>,
}

/// What an error page says, left on the response by `PageError` so that the pages' error layer can
/// render it inside the signed-in user's layout and navigation.
#[derive(Debug, Clone)]
pub(crate) struct ErrorText {
    pub title: String,
    pub message: String,
}

#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub nav: Option<Nav>,
    pub status: u16,
    pub title: String,
    pub message: String,
}

/// The lines at the top of every page about one patient.
#[derive(Debug, Clone)]
pub struct PatientHeader {
    pub id: Uuid,
    pub name: String,
    pub mrn: String,
    pub age: u32,
    pub diagnoses: Vec<String>,
    /// The page within the record ("" for the overview): titles the page.
    pub page: &'static str,
    /// The tab marked current ("" for the overview).
    pub tab: &'static str,
}

impl PatientHeader {
    pub fn of(r: &PatientRecord, today: NaiveDate) -> Self {
        PatientHeader {
            id: r.id,
            name: r.patient.name().to_owned(),
            mrn: r.patient.mrn().unwrap_or("—").to_owned(),
            age: r.patient.age_on(today),
            diagnoses: r
                .patient
                .diagnoses()
                .iter()
                .map(|d| format!("{} {}", d.code.code(), d.code.name()))
                .collect(),
            page: "",
            tab: "",
        }
    }

    /// The header of the record's page `page`, under the tab of that label.
    pub fn titled(mut self, page: &'static str) -> Self {
        self.page = page;
        self.tab = page;
        self
    }

    /// Marks the tab `tab` current (a page under another tab's label).
    pub fn in_tab(mut self, tab: &'static str) -> Self {
        self.tab = tab;
        self
    }
}
