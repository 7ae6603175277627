//! The clinic's standing details for E2B(R3) messages: its sender identifier with the receiver, the
//! MedDRA release it codes with, the receivers and the sender's contact (C.3). A clinic keeps them
//! in a settings file; the command line and the web server read the same fields.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use uuid::Uuid;

use crate::ExportError;
use crate::icsr::{FDA_BATCH_RECEIVER, FDA_CDER_RECEIVER, IcsrHeader, Sender, SenderDraft};

/// The sender's details for E2B(R3) messages, as written in the clinic's settings (TOML).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderSettings {
    /// The clinic's sender identifier with the receiver (N.1.3).
    pub sender_id: String,
    /// The MedDRA release the clinic codes with, e.g. "27.1".
    pub meddra_version: String,
    /// N.1.4; the FDA's batch receiver when absent.
    #[serde(default = "default_batch_receiver")]
    pub batch_receiver: String,
    /// N.2.r.3; the FDA's CDER when absent.
    #[serde(default = "default_message_receiver")]
    pub message_receiver: String,
    /// Country code that begins the case id (C.1.1), e.g. "GB".
    pub case_country: String,
    pub organisation: String,
    pub department: String,
    pub title: String,
    pub given_name: String,
    pub family_name: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    pub telephone: String,
    pub fax: String,
    pub email: String,
}

fn default_batch_receiver() -> String {
    FDA_BATCH_RECEIVER.to_owned()
}

fn default_message_receiver() -> String {
    FDA_CDER_RECEIVER.to_owned()
}

impl SenderSettings {
    /// The header of the message for `case` created at `now`: batch number from the sender id and
    /// the time, case id "country-sender-case" (C.1.1), English reported terms.
    pub fn header(&self, case: Uuid, now: DateTime<FixedOffset>) -> IcsrHeader {
        IcsrHeader {
            batch_number: format!("{}-{}", self.sender_id, now.format("%Y%m%d%H%M%S")),
            case_id: format!("{}-{}-{}", self.case_country, self.sender_id, case.simple()),
            sender_id: self.sender_id.clone(),
            batch_receiver_id: self.batch_receiver.clone(),
            message_receiver_id: self.message_receiver.clone(),
            created_at: now,
            latest_information: None,
            meddra_version: self.meddra_version.clone(),
            language: "eng".to_owned(),
        }
    }

    /// The sender (C.3), every field checked.
    pub fn sender(&self) -> Result<Sender, ExportError> {
        Sender::try_from(SenderDraft {
            organisation: self.organisation.clone(),
            department: self.department.clone(),
            title: self.title.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            street: self.street.clone(),
            city: self.city.clone(),
            state: self.state.clone(),
            postcode: self.postcode.clone(),
            country: self.country.clone(),
            telephone: self.telephone.clone(),
            fax: self.fax.clone(),
            email: self.email.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SenderSettings {
        SenderSettings {
            sender_id: "CLINIC".into(),
            meddra_version: "27.1".into(),
            batch_receiver: default_batch_receiver(),
            message_receiver: default_message_receiver(),
            case_country: "GB".into(),
            organisation: "Clinic".into(),
            department: "Neurology".into(),
            title: "Dr".into(),
            given_name: "Ana".into(),
            family_name: "Ruiz".into(),
            street: "1 Road".into(),
            city: "Leeds".into(),
            state: "West Yorkshire".into(),
            postcode: "LS1".into(),
            country: "GB".into(),
            telephone: "1".into(),
            fax: "2".into(),
            email: "a@b.c".into(),
        }
    }

    #[test]
    fn header_names_the_case_and_batch() {
        let now = DateTime::parse_from_rfc3339("2026-03-04T05:06:07+00:00").expect("time");
        let case = Uuid::from_u128(0xabc);
        let h = settings().header(case, now);
        assert_eq!(h.batch_number, "CLINIC-20260304050607");
        assert_eq!(h.case_id, format!("GB-CLINIC-{}", case.simple()));
        assert_eq!(h.batch_receiver_id, FDA_BATCH_RECEIVER);
        assert_eq!(h.language, "eng");
    }

    #[test]
    fn sender_needs_every_field() {
        assert!(settings().sender().is_ok());
        let mut s = settings();
        s.fax = " ".into();
        assert!(s.sender().is_err());
    }
}
