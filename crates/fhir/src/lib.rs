//! Cephalog's FHIR R4 interchange. Only this crate knows FHIR JSON.
//!
//! - [`bundle`] / [`bundle_json`]: one patient's whole record as a FHIR R4 `Bundle` of type
//!   `collection` (what `GET /api/v1/patients/{id}/$everything` answers and `cephalog fhir export`
//!   writes).
//! - [`BulkExport`]: the whole clinic as bulk-data NDJSON, one file per resource type.
//! - [`import_bundle`]: a Bundle read back into a validated [`Chart`]; every resource that cannot
//!   be mapped is reported by its type, id and reason, and nothing is returned unless all of them
//!   map.
//!
//! Export is deterministic: resource ids are UUID v5 of Cephalog's own ids ([`codes::resource_id`]),
//! resources come in a fixed order, and JSON keys in declaration order, so the same record always
//! gives the same bytes, and export → import → export is the identity.
//!
//! The mapping, element by element, is in [`export`]; the code systems in [`codes`].

pub mod codes;
pub mod export;
pub mod import;
pub mod model;

use chrono::NaiveDate;
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::PromEntry;
use cephalog_core::safety::AdverseEvent;
use cephalog_core::session::{NerveBlock, Session, ToxinDose};
use cephalog_core::{Diary, Patient};

pub use export::{BulkExport, RefStyle, bundle, bundle_json, resources};
pub use import::{ImportError, Issue, import_bundle};

/// One patient's whole record: what an export writes and an import gives back.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Cephalog's patient id.
    pub id: Uuid,
    pub patient: Patient,
    pub diary: Diary,
    pub preventives: Vec<(Uuid, PreventiveTrial)>,
    pub questionnaires: Vec<(Uuid, PromEntry)>,
    pub sessions: Vec<SessionEntry>,
    /// Botulinum-toxin doses given elsewhere.
    pub other_doses: Vec<ToxinDose>,
    pub nerve_blocks: Vec<(Uuid, NerveBlock)>,
    /// Medication-overuse attestations.
    pub attestations: Vec<Attestation>,
    pub adverse_events: Vec<CaseEntry>,
}

/// A botulinum-toxin session with the overrides it was recorded with.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEntry {
    pub id: Uuid,
    pub session: Session,
    pub overrides: Vec<OverrideEntry>,
}

/// A recording-time refusal let through: the check, the finding in words, why and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideEntry {
    pub check: String,
    pub finding: String,
    pub reason: String,
    pub by: String,
}

/// An adverse event (case) and the day it was submitted, if it was.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEntry {
    pub id: Uuid,
    pub event: AdverseEvent,
    pub submitted_on: Option<NaiveDate>,
}

impl Chart {
    /// A chart with nothing but the patient.
    pub fn new(id: Uuid, patient: Patient) -> Chart {
        Chart {
            id,
            patient,
            diary: Diary::default(),
            preventives: Vec::new(),
            questionnaires: Vec::new(),
            sessions: Vec::new(),
            other_doses: Vec::new(),
            nerve_blocks: Vec::new(),
            attestations: Vec::new(),
            adverse_events: Vec::new(),
        }
    }

    /// The chart with its lists in export order: by date, then by id (or by content where a
    /// record has no id), so two charts with the same records compare equal.
    pub fn sorted(mut self) -> Chart {
        self.preventives.sort_by_key(|(id, t)| (t.start(), *id));
        self.questionnaires.sort_by_key(|(id, q)| (q.date, *id));
        self.sessions.sort_by_key(|s| (s.session.date(), s.id));
        self.other_doses.sort_by_key(dose_key);
        self.nerve_blocks.sort_by_key(|(id, b)| (b.date(), *id));
        self.attestations
            .sort_by_key(|a| (a.on, a.by.clone(), a.note.clone()));
        self.adverse_events.sort_by_key(|c| (c.event.onset(), c.id));
        self
    }
}

fn dose_key(d: &ToxinDose) -> (NaiveDate, String, u32, String) {
    (d.date(), d.product().key(), d.units(), d.indication().key())
}
