//! Treatment: botulinum-toxin sessions (checked against the patient's toxin history when
//! recorded) with the overrides that let refusals through, toxin doses given elsewhere, occipital
//! nerve blocks, preventive trials, questionnaires (PROMs) and their same-day reviews, and
//! medication-overuse attestations.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::limits::{self, DateWindow, check_questionnaire_date};
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::{Instrument, PromEntry, PromResult};
use cephalog_core::session::{
    CheckPolicy, NerveBlock, Override, Pathway, Session, SessionCheck, ToxinDose,
};

use crate::history::Replacement;
use crate::safety::decided;
use crate::{Change, RecordKind, RecordVersion, Store, StoreError};

/// A stored botulinum-toxin session with the overrides recorded with it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub session: Session,
    pub overrides: Vec<StoredOverride>,
}

/// An override as stored: the check, the finding it let through (in words), why and by whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredOverride {
    pub check: String,
    pub finding: String,
    pub reason: String,
    pub by: String,
}

/// A clinician's same-day review of a questionnaire whose answers raised an alert.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuestionnaireReview {
    pub questionnaire: Uuid,
    pub by: String,
    pub at: DateTime<Utc>,
    pub decision: String,
}

/// A stored questionnaire scored again from its instrument code and `;`-separated answers.
fn stored_prom(id: Uuid, instrument: &str, answers: &str) -> Result<PromResult, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("questionnaire {id}"), e);
    let instrument = instrument.parse::<Instrument>().map_err(|e| corrupt(&e))?;
    let parts: Vec<&str> = answers.split(';').collect();
    PromResult::score(instrument, &parts).map_err(|e| corrupt(&e))
}

fn session_record(
    id: Uuid,
    draft: cephalog_core::session::SessionDraft,
    overrides: Vec<(String, String, String, String)>,
) -> Result<SessionRecord, StoreError> {
    let session =
        Session::restore(draft).map_err(|e| StoreError::corrupt(format!("session {id}"), e))?;
    let overrides = overrides
        .into_iter()
        .map(|(check, finding, reason, by)| StoredOverride {
            check,
            finding,
            reason,
            by,
        })
        .collect();
    Ok(SessionRecord {
        id,
        session,
        overrides,
    })
}

impl Store {
    // --- toxin sessions --------------------------------------------------------------------------

    /// Runs the recording-time safety checks for a session against the patient's stored history.
    /// `pathway` is what the use case loaded about the patient's pathway (`None` checks the
    /// session alone).
    pub async fn check_session(
        &self,
        patient: Uuid,
        session: &Session,
        pathway: Option<&Pathway>,
        overrides: &[Override],
        policy: &CheckPolicy,
    ) -> Result<SessionCheck, StoreError> {
        let record = self.patient(patient).await?;
        let history = self.toxin_history(patient).await?;
        Ok(session.check(
            record.patient.date_of_birth(),
            &history,
            pathway,
            overrides,
            policy,
        ))
    }

    /// Records a session after the safety checks, run inside the write transaction with the
    /// patient's row locked; any refusal not overridden refuses the whole session and stores
    /// nothing. The overrides that let refusals through are stored with it.
    pub async fn record_session(
        &self,
        patient: Uuid,
        session: &Session,
        pathway: Option<&Pathway>,
        overrides: &[Override],
        policy: &CheckPolicy,
    ) -> Result<(Uuid, SessionCheck), StoreError> {
        let dob = self.patient(patient).await?.patient.date_of_birth();
        let id = Uuid::now_v7();
        let check = |history: &[ToxinDose]| session.check(dob, history, pathway, overrides, policy);
        let result = dispatch!(write self, treatment, p => e::record_session_checked(p, id, patient, session, check, Utc::now()).await)?;
        Ok((id, result))
    }

    /// The patient's sessions, oldest first.
    pub async fn sessions(&self, patient: Uuid) -> Result<Vec<SessionRecord>, StoreError> {
        let rows =
            dispatch!(self, treatment, p => e::sessions(&mut *p.acquire().await?, patient).await)?;
        rows.into_iter()
            .map(|(id, draft, overrides)| session_record(id, draft, overrides))
            .collect()
    }

    /// The sessions of every patient in `patients` (at most a few thousand), by patient then
    /// date: three queries however many there are, for whole-clinic analysis.
    pub async fn sessions_of(
        &self,
        patients: &[Uuid],
    ) -> Result<Vec<(Uuid, SessionRecord)>, StoreError> {
        let rows = dispatch!(self, treatment, p => e::sessions_of(&mut *p.acquire().await?, patients).await)?;
        rows.into_iter()
            .map(|(patient, id, draft, overrides)| {
                Ok((patient, session_record(id, draft, overrides)?))
            })
            .collect()
    }

    /// The patient a recorded botulinum-toxin session belongs to.
    pub async fn session_patient(&self, session: Uuid) -> Result<Uuid, StoreError> {
        dispatch!(self, treatment, p => e::session_patient(p, session).await)?
            .ok_or_else(|| StoreError::NotFound(format!("session {session}")))
    }

    /// Botulinum-toxin sessions recorded in the clinic.
    pub async fn session_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, treatment, p => e::session_count(p).await)
    }

    /// Each patient's last chronic-migraine or occipital-neuralgia session, for the schedule.
    pub async fn last_headache_sessions(&self) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
        dispatch!(self, treatment, p => e::last_headache_sessions(p, None).await)
    }

    /// One patient's last chronic-migraine or occipital-neuralgia session, if any.
    pub async fn last_headache_session(
        &self,
        patient: Uuid,
    ) -> Result<Option<NaiveDate>, StoreError> {
        Ok(
            dispatch!(self, treatment, p => e::last_headache_sessions(p, Some(patient)).await)?
                .pop()
                .map(|(_, d)| d),
        )
    }

    // --- toxin doses, here and elsewhere ---------------------------------------------------------

    /// Every botulinum-toxin dose the patient has had: sessions recorded here and doses given
    /// elsewhere, of any indication.
    pub async fn toxin_history(&self, patient: Uuid) -> Result<Vec<ToxinDose>, StoreError> {
        dispatch!(self, treatment, p => e::toxin_history(&mut *p.acquire().await?, patient).await)
    }

    /// Botulinum-toxin doses the patient had elsewhere (other indications or clinics), oldest first.
    pub async fn other_toxin_doses(&self, patient: Uuid) -> Result<Vec<ToxinDose>, StoreError> {
        dispatch!(self, treatment, p => e::other_doses(&mut *p.acquire().await?, patient).await)
    }

    /// Records a botulinum-toxin dose given elsewhere (another indication or clinic), dated
    /// between the patient's birth and `today`.
    pub async fn add_other_toxin_dose(
        &self,
        patient: Uuid,
        dose: &ToxinDose,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let r = self.patient(patient).await?;
        DateWindow::new(r.patient.date_of_birth(), today).check("date", dose.date())?;
        dispatch!(write self, treatment, p => e::add_other_dose(p, Uuid::now_v7(), patient, dose, Utc::now()).await)
    }

    // --- nerve blocks ----------------------------------------------------------------------------

    /// Records an occipital nerve block.
    pub async fn record_nerve_block(
        &self,
        patient: Uuid,
        block: &NerveBlock,
    ) -> Result<Uuid, StoreError> {
        let r = self.patient(patient).await?;
        limits::check_not_before_birth("date", block.date(), r.patient.date_of_birth())?;
        let id = Uuid::now_v7();
        dispatch!(write self, treatment, p => e::insert_nerve_block(p, id, patient, block, Utc::now()).await)?;
        Ok(id)
    }

    /// The patient's nerve blocks, oldest first.
    pub async fn nerve_blocks(&self, patient: Uuid) -> Result<Vec<(Uuid, NerveBlock)>, StoreError> {
        dispatch!(self, treatment, p => e::nerve_blocks(p, patient).await)
    }

    /// Records the relief after a block (replacing an earlier record); checked by the domain first.
    pub async fn record_block_relief(
        &self,
        patient: Uuid,
        block: Uuid,
        percent: u32,
        minutes: u32,
        on: NaiveDate,
    ) -> Result<NerveBlock, StoreError> {
        let (_, mut b) = self
            .nerve_blocks(patient)
            .await?
            .into_iter()
            .find(|(id, _)| *id == block)
            .ok_or_else(|| {
                StoreError::NotFound(format!("nerve block {block} of patient {patient}"))
            })?;
        b.record_relief(percent, minutes, on)?;
        let relief = b
            .relief()
            .ok_or_else(|| StoreError::corrupt("nerve block", "relief not kept"))?;
        dispatch!(write self, treatment, p => e::set_block_relief(p, block, relief.percent(), relief.duration_minutes(), on).await)?;
        Ok(b)
    }

    // --- preventive trials -----------------------------------------------------------------------

    /// Adds a preventive trial to the patient's ledger.
    pub async fn add_preventive(
        &self,
        patient: Uuid,
        trial: &PreventiveTrial,
        today: NaiveDate,
    ) -> Result<Uuid, StoreError> {
        let r = self.patient(patient).await?;
        let window = DateWindow::new(r.patient.date_of_birth(), today);
        if let Some(start) = trial.start() {
            window.check("start", start)?;
        }
        if let Some(stop) = trial.stop() {
            window.check("stop", stop)?;
        }
        let id = Uuid::now_v7();
        dispatch!(write self, treatment, p => e::add_preventive(p, id, patient, trial, Utc::now()).await)?;
        Ok(id)
    }

    /// The patient's preventive ledger, oldest first.
    pub async fn preventives(
        &self,
        patient: Uuid,
    ) -> Result<Vec<(Uuid, PreventiveTrial)>, StoreError> {
        dispatch!(self, treatment, p => e::preventives(p, patient).await)
    }

    /// Corrects a preventive trial: the stored version is kept, the new one takes its id.
    pub async fn correct_preventive(
        &self,
        patient: Uuid,
        id: Uuid,
        trial: &PreventiveTrial,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        let r = Replacement::Preventive(trial.clone());
        self.supersede(patient, RecordKind::Preventive, id, change, Some(&r))
            .await
    }

    // --- questionnaires and their same-day reviews -----------------------------------------------

    /// Scores and stores a questionnaire; the answers are kept and re-scored on reading. The date
    /// lies between the patient's birth (from the age questionnaires are accepted at) and
    /// `today`, the answers can all be true at once, and one answer set of an instrument is kept
    /// per date ([`StoreError::QuestionnaireExists`]: correct that one instead).
    pub async fn add_prom(
        &self,
        patient: Uuid,
        taken_on: NaiveDate,
        instrument: Instrument,
        answers: &[String],
        today: NaiveDate,
    ) -> Result<(Uuid, PromResult), StoreError> {
        let r = self.patient(patient).await?;
        let window = DateWindow::new(r.patient.date_of_birth(), today);
        check_questionnaire_date(&window, taken_on)?;
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let result = PromResult::score(instrument, &refs)?;
        result.check_plausible()?;
        let id = Uuid::now_v7();
        let text = answers
            .iter()
            .map(|a| a.trim())
            .collect::<Vec<_>>()
            .join(";");
        dispatch!(write self, treatment, p => e::add_prom(p, id, patient, taken_on, &result, &text, Utc::now()).await)?;
        Ok((id, result))
    }

    /// The patient's questionnaires, oldest first.
    pub async fn proms(&self, patient: Uuid) -> Result<Vec<(Uuid, PromEntry)>, StoreError> {
        let rows = dispatch!(self, treatment, p => e::proms(p, patient).await)?;
        rows.into_iter()
            .map(|(id, date, instrument, answers)| {
                let result = stored_prom(id, &instrument, &answers)?;
                Ok((id, PromEntry { date, result }))
            })
            .collect()
    }

    /// The questionnaires of every patient in `patients` (at most a few thousand), by patient
    /// then date, in one query.
    pub async fn proms_of(
        &self,
        patients: &[Uuid],
    ) -> Result<Vec<(Uuid, Uuid, PromEntry)>, StoreError> {
        let rows = dispatch!(self, treatment, p => e::proms_of(p, patients).await)?;
        rows.into_iter()
            .map(|(patient, id, date, instrument, answers)| {
                let result = stored_prom(id, &instrument, &answers)?;
                Ok((patient, id, PromEntry { date, result }))
            })
            .collect()
    }

    /// Corrects a questionnaire's date or answers (re-scored): the stored version is kept.
    pub async fn correct_prom(
        &self,
        patient: Uuid,
        id: Uuid,
        taken_on: NaiveDate,
        instrument: Instrument,
        answers: &[String],
        change: &Change,
    ) -> Result<(RecordVersion, PromResult), StoreError> {
        let r = self.patient(patient).await?;
        limits::check_not_before_birth("date", taken_on, r.patient.date_of_birth())?;
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let result = PromResult::score(instrument, &refs)?;
        result.check_plausible()?;
        let text = answers
            .iter()
            .map(|a| a.trim())
            .collect::<Vec<_>>()
            .join(";");
        let r = Replacement::Questionnaire {
            taken_on,
            result: result.clone(),
            answers: text,
        };
        let kept = self
            .supersede(patient, RecordKind::Questionnaire, id, change, Some(&r))
            .await?;
        Ok((kept, result))
    }

    /// Records the same-day review of questionnaire `id` of `patient`: `by` and `decision` are
    /// required; a questionnaire reviewed already keeps its first review.
    pub async fn review_questionnaire(
        &self,
        patient: Uuid,
        id: Uuid,
        by: &str,
        decision: &str,
    ) -> Result<QuestionnaireReview, StoreError> {
        let (by, decision) = decided(by, decision, "reviews")?;
        let review = QuestionnaireReview {
            questionnaire: id,
            by,
            at: Utc::now(),
            decision,
        };
        // The insert names the patient, so it stores nothing for another patient's
        // questionnaire; only then is it worth asking why.
        if dispatch!(write self, treatment, p => e::review_questionnaire(p, patient, &review).await)?
        {
            return Ok(review);
        }
        let reviewed = self
            .questionnaire_reviews(Some(patient))
            .await?
            .iter()
            .any(|r| r.questionnaire == id);
        Err(if reviewed {
            StoreError::AlreadyReviewed(id.to_string())
        } else {
            StoreError::NotFound(format!("questionnaire {id}"))
        })
    }

    /// Same-day reviews, of one patient's questionnaires or of every one.
    pub async fn questionnaire_reviews(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<QuestionnaireReview>, StoreError> {
        dispatch!(self, treatment, p => e::questionnaire_reviews(p, patient).await)
    }

    /// Questionnaires not reviewed yet whose answers raise a same-day alert, of one clinic's
    /// patients, of one patient, or of all, oldest first: (id, patient, entry).
    pub async fn questionnaires_awaiting_review(
        &self,
        clinic: Option<Uuid>,
        patient: Option<Uuid>,
    ) -> Result<Vec<(Uuid, Uuid, PromEntry)>, StoreError> {
        let instruments: Vec<String> = Instrument::ALL
            .into_iter()
            .filter(|i| !i.def().alerts.is_empty())
            .map(|i| i.as_str().to_owned())
            .collect();
        let rows = dispatch!(self, treatment, p => e::unreviewed_proms(p, clinic, patient, &instruments).await)?;
        let mut out = Vec::new();
        for (id, patient, date, instrument, answers) in rows {
            let result = stored_prom(id, &instrument, &answers)?;
            if result.needs_same_day_review() {
                out.push((id, patient, PromEntry { date, result }));
            }
        }
        out.sort_by_key(|(_, _, e)| e.date);
        Ok(out)
    }

    // --- medication-overuse attestations ---------------------------------------------------------

    /// Records a clinician's attestation that medication overuse has been managed.
    pub async fn add_overuse_attestation(
        &self,
        patient: Uuid,
        attestation: &Attestation,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let r = self.patient(patient).await?;
        DateWindow::new(r.patient.date_of_birth(), today).check("on", attestation.on)?;
        limits::check_text("note", &attestation.note, limits::MAX_NOTE_CHARS)?;
        dispatch!(write self, treatment, p => e::add_attestation(p, Uuid::now_v7(), patient, attestation, Utc::now()).await)
    }

    /// The latest attestation on or before `on`.
    pub async fn overuse_attestation(
        &self,
        patient: Uuid,
        on: NaiveDate,
    ) -> Result<Option<Attestation>, StoreError> {
        let all = dispatch!(self, treatment, p => e::attestations(p, patient).await)?;
        Ok(all.into_iter().rev().find(|a| a.on <= on))
    }

    /// Every overuse attestation of the patient, oldest first.
    pub async fn overuse_attestations(
        &self,
        patient: Uuid,
    ) -> Result<Vec<Attestation>, StoreError> {
        dispatch!(self, treatment, p => e::attestations(p, patient).await)
    }

    /// The patient's overuse attestations with their ids, oldest first.
    pub async fn overuse_attestation_records(
        &self,
        patient: Uuid,
    ) -> Result<Vec<(Uuid, Attestation)>, StoreError> {
        dispatch!(self, treatment, p => e::attestation_records(p, patient).await)
    }

    /// Corrects an overuse attestation: the stored version is kept.
    pub async fn correct_overuse_attestation(
        &self,
        patient: Uuid,
        id: Uuid,
        attestation: &Attestation,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        let r = Replacement::Attestation(attestation.clone());
        self.supersede(patient, RecordKind::Attestation, id, change, Some(&r))
            .await
    }
}
