//! Safety: adverse events (individual case safety reports) and the acknowledgements of their
//! urgent reviews.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use cephalog_core::limits;
use cephalog_core::safety::AdverseEvent;

use crate::history::Replacement;
use crate::{Change, RecordKind, RecordVersion, Store, StoreError};

/// A stored adverse event.
#[derive(Debug, Clone, PartialEq)]
pub struct AdverseEventRecord {
    pub id: Uuid,
    pub patient: Uuid,
    pub event: AdverseEvent,
    pub submitted_on: Option<NaiveDate>,
}

/// Which adverse events to read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventFilter {
    Clinic,
    Patient(Uuid),
    Case(Uuid),
}

/// Who acknowledged an event's urgent review, when, and what was decided. An acknowledged flag
/// leaves the worklist and no longer refuses the next session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UrgentReviewAck {
    pub event: Uuid,
    pub by: String,
    pub at: DateTime<Utc>,
    pub decision: String,
}

/// Longest urgent-review decision Cephalog keeps.
pub const ACK_DECISION_MAX_CHARS: usize = 1000;

/// Who decided and what, as a review or an acknowledgement keeps them: both required, the
/// decision 1 to [`ACK_DECISION_MAX_CHARS`] characters. `verb` says what the person does
/// ("acknowledges", "reviews") in the refusal.
pub(crate) fn decided(
    by: &str,
    decision: &str,
    verb: &str,
) -> Result<(String, String), StoreError> {
    let decision = decision.trim();
    cephalog_core::limits::check_no_nul("decision", decision)?;
    if decision.is_empty() || decision.chars().count() > ACK_DECISION_MAX_CHARS {
        return Err(StoreError::Invalid {
            field: "decision",
            reason: format!("say what was decided (1 to {ACK_DECISION_MAX_CHARS} characters)"),
        });
    }
    if by.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "by",
            reason: format!("name who {verb}"),
        });
    }
    Ok((by.trim().to_owned(), decision.to_owned()))
}

impl Store {
    /// Stores an adverse event (valid ICSR or not).
    pub async fn add_adverse_event(
        &self,
        patient: Uuid,
        event: &AdverseEvent,
    ) -> Result<Uuid, StoreError> {
        let r = self.patient(patient).await?;
        limits::check_not_before_birth("onset", event.onset(), r.patient.date_of_birth())?;
        let id = Uuid::now_v7();
        dispatch!(write self, safety, p => e::insert_adverse_event(p, id, patient, event, Utc::now()).await)?;
        Ok(id)
    }

    /// Adverse events of one patient, or of the whole clinic.
    pub async fn adverse_events(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        self.read_adverse_events(patient.map_or(EventFilter::Clinic, EventFilter::Patient))
            .await
    }

    /// One adverse event by id.
    pub async fn adverse_event(&self, id: Uuid) -> Result<AdverseEventRecord, StoreError> {
        self.read_adverse_events(EventFilter::Case(id))
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("adverse event {id}")))
    }

    async fn read_adverse_events(
        &self,
        filter: EventFilter,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let rows = dispatch!(self, safety, p => e::adverse_events(p, filter).await)?;
        rows.into_iter()
            .map(|(id, patient, draft, submitted_on)| {
                let event = AdverseEvent::try_from(draft)
                    .map_err(|e| StoreError::corrupt(format!("adverse event {id}"), e))?;
                Ok(AdverseEventRecord {
                    id,
                    patient,
                    event,
                    submitted_on,
                })
            })
            .collect()
    }

    /// Corrects an adverse event (its submission date is kept): the stored version is kept.
    pub async fn correct_adverse_event(
        &self,
        patient: Uuid,
        id: Uuid,
        event: &AdverseEvent,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        let submitted_on = self
            .adverse_events(Some(patient))
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .and_then(|e| e.submitted_on);
        let r = Replacement::AdverseEvent {
            event: event.clone(),
            submitted_on,
        };
        self.supersede(patient, RecordKind::AdverseEvent, id, change, Some(&r))
            .await
    }

    /// Records that the case was submitted to the regulator on `on`.
    pub async fn mark_adverse_event_submitted(
        &self,
        id: Uuid,
        on: NaiveDate,
    ) -> Result<(), StoreError> {
        if dispatch!(write self, safety, p => e::mark_submitted(p, id, on).await)? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("adverse event {id}")))
        }
    }

    /// Acknowledges the urgent review of event `id`: `by` (the clinician) and `decision` (what was
    /// decided) are required; an event already acknowledged keeps its first acknowledgement.
    pub async fn acknowledge_urgent_review(
        &self,
        id: Uuid,
        by: &str,
        decision: &str,
    ) -> Result<UrgentReviewAck, StoreError> {
        self.adverse_event(id).await?;
        let (by, decision) = decided(by, decision, "acknowledges")?;
        let ack = UrgentReviewAck {
            event: id,
            by,
            at: Utc::now(),
            decision,
        };
        if dispatch!(write self, safety, p => e::acknowledge_urgent_review(p, &ack).await)? {
            Ok(ack)
        } else {
            Err(StoreError::AlreadyAcknowledged(id.to_string()))
        }
    }

    /// Acknowledged urgent reviews, of one patient's events or of every event.
    pub async fn urgent_review_acks(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<UrgentReviewAck>, StoreError> {
        dispatch!(self, safety, p => e::urgent_review_acks(p, patient).await)
    }
}
