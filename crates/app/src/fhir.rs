//! FHIR R4 in and out: a patient's chart as a Bundle, the clinic as bulk NDJSON, and a Bundle
//! imported as a new patient. The FHIR JSON itself is `cephalog-fhir`'s; this module moves charts
//! between it and the store.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use cephalog_fhir::{BulkExport, CaseEntry, Chart, OverrideEntry, SessionEntry};
use cephalog_store::{
    AdverseEventRecord, PatientChart, PatientRecord, SessionRecord, Store, StoredOverride,
};

use crate::AppError;

/// The store's chart in the FHIR crate's terms.
pub fn to_fhir(c: PatientChart) -> Chart {
    Chart {
        id: c.record.id,
        patient: c.record.patient,
        diary: c.diary,
        preventives: c.preventives,
        questionnaires: c.questionnaires,
        sessions: c
            .sessions
            .into_iter()
            .map(|s| SessionEntry {
                id: s.id,
                session: s.session,
                overrides: s
                    .overrides
                    .into_iter()
                    .map(|o| OverrideEntry {
                        check: o.check,
                        finding: o.finding,
                        reason: o.reason,
                        by: o.by,
                    })
                    .collect(),
            })
            .collect(),
        other_doses: c.other_doses,
        nerve_blocks: c.nerve_blocks,
        attestations: c.attestations,
        adverse_events: c
            .adverse_events
            .into_iter()
            .map(|e| CaseEntry {
                id: e.id,
                event: e.event,
                submitted_on: e.submitted_on,
            })
            .collect(),
    }
}

/// An imported chart as the store writes it, in `clinic`.
pub fn from_fhir(c: Chart, clinic: Uuid) -> PatientChart {
    let patient = c.id;
    PatientChart {
        record: PatientRecord {
            id: c.id,
            clinic_id: clinic,
            patient: c.patient,
            created_at: Utc::now(),
        },
        diary: c.diary,
        preventives: c.preventives,
        questionnaires: c.questionnaires,
        sessions: c
            .sessions
            .into_iter()
            .map(|s| SessionRecord {
                id: s.id,
                session: s.session,
                overrides: s
                    .overrides
                    .into_iter()
                    .map(|o| StoredOverride {
                        check: o.check,
                        finding: o.finding,
                        reason: o.reason,
                        by: o.by,
                    })
                    .collect(),
            })
            .collect(),
        other_doses: c.other_doses,
        nerve_blocks: c.nerve_blocks,
        attestations: c.attestations,
        adverse_events: c
            .adverse_events
            .into_iter()
            .map(|e| AdverseEventRecord {
                id: e.id,
                patient,
                event: e.event,
                submitted_on: e.submitted_on,
            })
            .collect(),
    }
}

/// The patient's whole record as a FHIR R4 Bundle (`collection`), pretty-printed JSON.
pub async fn patient_bundle(store: &Store, patient: Uuid) -> Result<String, AppError> {
    let chart = store.patient_chart(patient).await?;
    Ok(cephalog_fhir::bundle_json(&to_fhir(chart)))
}

/// Every patient of `patients` as bulk NDJSON, one file per resource type.
pub async fn bulk_export(store: &Store, patients: &[Uuid]) -> Result<BulkExport, AppError> {
    let mut bulk = BulkExport::new();
    for id in patients {
        bulk.add(&to_fhir(store.patient_chart(*id).await?));
    }
    Ok(bulk)
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub patient: Uuid,
    pub mrn: Option<String>,
    pub diary_days: usize,
    pub preventives: usize,
    pub questionnaires: usize,
    pub sessions: usize,
    pub other_doses: usize,
    pub nerve_blocks: usize,
    pub attestations: usize,
    pub adverse_events: usize,
}

/// Imports a Bundle as a new patient of `clinic`: every resource is mapped and validated first
/// (all problems reported, nothing stored), then the patient is written in one transaction. A
/// patient already stored under the Bundle's Cephalog id or MRN refuses the import.
pub async fn import_bundle(
    store: &Store,
    clinic: Uuid,
    text: &str,
    today: NaiveDate,
) -> Result<Imported, AppError> {
    let chart = cephalog_fhir::import_bundle(text)?;
    let imported = Imported {
        patient: chart.id,
        mrn: chart.patient.mrn().map(str::to_owned),
        diary_days: chart.diary.len(),
        preventives: chart.preventives.len(),
        questionnaires: chart.questionnaires.len(),
        sessions: chart.sessions.len(),
        other_doses: chart.other_doses.len(),
        nerve_blocks: chart.nerve_blocks.len(),
        attestations: chart.attestations.len(),
        adverse_events: chart.adverse_events.len(),
    };
    store.import_chart(&from_fhir(chart, clinic), today).await?;
    Ok(imported)
}
