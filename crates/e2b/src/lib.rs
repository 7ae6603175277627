//! Safety exports of a Cephalog adverse event: the ICH E2B(R3) individual case safety report
//! (HL7 v3 XML, [`icsr`]) and the MedWatch Form FDA 3500 field set (JSON, [`medwatch`]).
//!
//! Both refuse a case that is not a valid ICSR (ICH E2D minimum elements)
//! with [`ExportError::Incomplete`], which lists what is missing. This crate only translates: the
//! clinical rules live in `cephalog-core`.

pub mod icsr;
pub mod medwatch;
pub mod settings;

use std::fmt;

use cephalog_core::safety::{AdverseEvent, IcsrElement, IcsrPatient};
use serde::Serialize;

pub use icsr::{FDA_BATCH_RECEIVER, FDA_CDER_RECEIVER, IcsrHeader, Sender, SenderDraft, icsr_xml};
pub use medwatch::{MedWatch3500, MedWatchReport, medwatch_3500, medwatch_3500_json};
pub use settings::SenderSettings;

/// Something an export needs and the case lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingElement {
    /// One of the four ICSR minimum elements.
    Icsr(IcsrElement),
    /// E2B(R3) E.i.2.1b: the reaction's MedDRA code. The FDA table marks it required and allows
    /// no nullFlavor, so a reaction the clinic has not coded cannot be sent.
    MeddraCode,
    /// E2B(R3) H.1: the case narrative, required for every ICSR.
    Narrative,
}

impl fmt::Display for MissingElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MissingElement::Icsr(e) => write!(f, "{e}"),
            MissingElement::MeddraCode => f.write_str("MedDRA code of the reaction (E.i.2.1b)"),
            MissingElement::Narrative => f.write_str("case narrative (H.1)"),
        }
    }
}

/// Why an export was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the case cannot be exported; missing: {}", list(missing))]
    Incomplete { missing: Vec<MissingElement> },
    #[error("{field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("writing XML: {0}")]
    Xml(#[from] std::io::Error),
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn list(missing: &[MissingElement]) -> String {
    missing
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a case that lacks an ICSR minimum element.
fn require_valid_icsr(event: &AdverseEvent, patient: &IcsrPatient) -> Result<(), ExportError> {
    let missing: Vec<MissingElement> = event
        .missing_icsr_elements(patient)
        .into_iter()
        .map(MissingElement::Icsr)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ExportError::Incomplete { missing })
    }
}
