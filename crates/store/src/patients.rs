//! Patients: the patient records and their diagnoses, the clinics (tenants) they belong to, and
//! a patient's whole chart as an export reads it and an import writes it.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::limits::{DateWindow, check_questionnaire_date};
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::PromEntry;
use cephalog_core::session::{NerveBlock, ToxinDose};
use cephalog_core::{Diagnosis, Diary, Patient};

use crate::{AdverseEventRecord, SessionRecord, Store, StoreError};

/// A patient as stored: the opaque id, the domain record and when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    pub id: Uuid,
    /// The clinic (tenant) whose clinicians may see this patient.
    pub clinic_id: Uuid,
    pub patient: Patient,
    pub created_at: DateTime<Utc>,
}

/// A clinic (tenant).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClinicRecord {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// The clinic patients join when none is named: a single-clinic installation needs no more.
pub const DEFAULT_CLINIC: &str = "Main clinic";

/// A patient's whole record: what an export reads and an import writes, ids included.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientChart {
    pub record: PatientRecord,
    pub diary: Diary,
    pub preventives: Vec<(Uuid, PreventiveTrial)>,
    pub questionnaires: Vec<(Uuid, PromEntry)>,
    pub sessions: Vec<SessionRecord>,
    /// Botulinum-toxin doses given elsewhere.
    pub other_doses: Vec<ToxinDose>,
    pub nerve_blocks: Vec<(Uuid, NerveBlock)>,
    /// Medication-overuse attestations, oldest first.
    pub attestations: Vec<Attestation>,
    pub adverse_events: Vec<AdverseEventRecord>,
}

impl PatientChart {
    /// Everything in the chart is plausible as new data: a date of birth from 1900 to `today`,
    /// every dated record between birth and `today`, counts and text within
    /// [`cephalog_core::limits`], questionnaire answers that can all be true at once. A FHIR
    /// import passes through here, so it meets the same limits as the forms and the CSV.
    pub fn check_plausible(&self, today: NaiveDate) -> Result<(), StoreError> {
        use cephalog_core::limits::{
            LimitError, MAX_MRN_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, check_date_of_birth,
            check_text,
        };
        let p = &self.record.patient;
        check_date_of_birth(p.date_of_birth(), today)?;
        check_text("name", p.name(), MAX_NAME_CHARS)?;
        if let Some(mrn) = p.mrn() {
            check_text("mrn", mrn, MAX_MRN_CHARS)?;
        }
        check_text("notes", p.notes(), MAX_NOTE_CHARS)?;
        let window = DateWindow::new(p.date_of_birth(), today);
        let within = |what: String, date: NaiveDate| {
            window.check("date", date).map_err(|e| LimitError {
                field: e.field,
                reason: format!("{what}: {}", e.reason),
            })
        };
        for day in self.diary.days() {
            within(format!("diary day {}", day.date()), day.date())?;
            day.check_limits()?;
        }
        for (_, q) in &self.questionnaires {
            let what = format!("{} of {}", q.result.instrument().label(), q.date);
            check_questionnaire_date(&window, q.date).map_err(|e| LimitError {
                field: e.field,
                reason: format!("{what}: {}", e.reason),
            })?;
            q.result.check_plausible()?;
        }
        for s in &self.sessions {
            within(format!("session of {}", s.session.date()), s.session.date())?;
        }
        for d in &self.other_doses {
            within(format!("dose given elsewhere on {}", d.date()), d.date())?;
        }
        for (_, b) in &self.nerve_blocks {
            within(format!("nerve block of {}", b.date()), b.date())?;
        }
        for a in &self.adverse_events {
            let onset = a.event.onset();
            within(format!("adverse event of {onset}"), onset)?;
        }
        for (_, t) in &self.preventives {
            if let Some(start) = t.start() {
                within(format!("preventive started {start}"), start)?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Adds a patient to the default clinic ([`DEFAULT_CLINIC`]).
    pub async fn add_patient(&self, patient: &Patient) -> Result<PatientRecord, StoreError> {
        let clinic = self.clinic(DEFAULT_CLINIC).await?;
        self.add_patient_in(clinic, patient).await
    }

    /// Adds a patient to the clinic with that id.
    pub async fn add_patient_in(
        &self,
        clinic_id: Uuid,
        patient: &Patient,
    ) -> Result<PatientRecord, StoreError> {
        let record = PatientRecord {
            id: Uuid::now_v7(),
            clinic_id,
            patient: patient.clone(),
            created_at: Utc::now(),
        };
        dispatch!(write self, patients, p => e::add_patient(p, &record).await)?;
        Ok(record)
    }

    pub async fn add_diagnosis(&self, id: Uuid, diagnosis: &Diagnosis) -> Result<(), StoreError> {
        let mut record = self.patient(id).await?;
        record.patient.diagnose(diagnosis.clone())?;
        dispatch!(write self, patients, p => e::add_diagnosis(p, id, diagnosis).await)
    }

    pub async fn patient(&self, id: Uuid) -> Result<PatientRecord, StoreError> {
        dispatch!(self, patients, p => e::patient(p, id).await)?
            .ok_or(StoreError::PatientNotFound(id.to_string()))
    }

    /// Finds a patient by id or by clinic record number (MRN). MRNs are unique per clinic only:
    /// an MRN that two clinics use is refused as ambiguous (give the patient's id instead).
    pub async fn find_patient(&self, id_or_mrn: &str) -> Result<PatientRecord, StoreError> {
        let key = id_or_mrn.trim();
        let id = match Uuid::parse_str(key) {
            Ok(id) => Some(id),
            Err(_) => {
                let ids = dispatch!(self, patients, p => e::patient_ids_by_mrn(p, key).await)?;
                if ids.len() > 1 {
                    return Err(StoreError::AmbiguousMrn(key.to_owned()));
                }
                ids.first().copied()
            }
        };
        match id {
            Some(id) => dispatch!(self, patients, p => e::patient(p, id).await)?,
            None => None,
        }
        .ok_or_else(|| StoreError::PatientNotFound(key.to_owned()))
    }

    /// Every patient of every clinic (administration and the command line).
    pub async fn patients(&self) -> Result<Vec<PatientRecord>, StoreError> {
        dispatch!(self, patients, p => e::patients(p, None).await)
    }

    /// The patients of one clinic, by name.
    pub async fn clinic_patients(&self, clinic: Uuid) -> Result<Vec<PatientRecord>, StoreError> {
        dispatch!(self, patients, p => e::patients(p, Some(clinic)).await)
    }

    pub async fn patient_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, patients, p => e::patient_count(p).await)
    }

    /// The clinic of that name, created on first use.
    pub async fn clinic(&self, name: &str) -> Result<Uuid, StoreError> {
        dispatch!(write self, patients, p => e::ensure_clinic(p, name.trim()).await)
    }

    /// Every clinic, by name.
    pub async fn clinics(&self) -> Result<Vec<ClinicRecord>, StoreError> {
        dispatch!(self, patients, p => e::clinics(p).await)
    }

    /// Everything stored about one patient, for an export.
    pub async fn patient_chart(&self, id: Uuid) -> Result<PatientChart, StoreError> {
        let record = self.patient(id).await?;
        Ok(PatientChart {
            diary: self.diary(id).await?,
            preventives: self.preventives(id).await?,
            questionnaires: self.proms(id).await?,
            sessions: self.sessions(id).await?,
            other_doses: dispatch!(self, treatment, p => e::other_doses_of(p, id).await)?,
            nerve_blocks: self.nerve_blocks(id).await?,
            attestations: dispatch!(self, treatment, p => e::attestations(p, id).await)?,
            adverse_events: self.adverse_events(Some(id)).await?,
            record,
        })
    }

    /// Stores a whole patient (an import) in one transaction, keeping the ids of the patient and
    /// of every record, in the clinic `chart.record.clinic_id` names. A patient already stored
    /// with the same id or MRN refuses the import ([`StoreError::PatientExists`]): nothing is
    /// written and nothing is replaced. The sessions keep the overrides they were recorded with;
    /// the recording-time checks are not run again.
    pub async fn import_chart(
        &self,
        chart: &PatientChart,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        self.import_charts(std::slice::from_ref(chart), today).await
    }

    /// Stores whole patients as [`Store::import_chart`] does, all in one transaction: every one
    /// of them or none (a registry or a migration loads many patients at once).
    pub async fn import_charts(
        &self,
        charts: &[PatientChart],
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let mut prepared = Vec::with_capacity(charts.len());
        for chart in charts {
            chart.check_plausible(today)?;
            let answers: Vec<String> = chart
                .questionnaires
                .iter()
                .map(|(_, q)| q.result.stored_answers())
                .collect();
            prepared.push((chart, answers));
        }
        dispatch!(write self, patients, p => e::import_charts(p, &prepared, Utc::now()).await)
    }
}
