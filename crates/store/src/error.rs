use cephalog_core::prom::PromError;
use cephalog_core::session::SessionCheck;
use cephalog_core::{DiaryError, DrugError, PatientError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// PostgreSQL refuses a NUL character anywhere in text (SQLSTATE 22021). The texts the core
    /// limits are checked before they reach the database; this names any other text the same way
    /// rather than as a database failure.
    #[error("a text holds a NUL character (U+0000), which cannot be stored")]
    NulInText,
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("no patient with id or MRN '{0}'")]
    PatientNotFound(String),
    #[error("no {0}")]
    NotFound(String),
    #[error("a user named '{0}' already exists")]
    DuplicateUsername(String),
    #[error("a patient account must name its patient (--patient), and only a patient account may")]
    PatientAccount,
    #[error(transparent)]
    Session(#[from] cephalog_core::session::SessionError),
    #[error("a patient with MRN '{0}' already exists in this clinic")]
    DuplicateMrn(String),
    #[error("the urgent review of adverse event {0} is already acknowledged")]
    AlreadyAcknowledged(String),
    #[error("questionnaire {0} has been reviewed already")]
    AlreadyReviewed(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("MRN '{0}' is used by more than one clinic; give the patient's id instead")]
    AmbiguousMrn(String),
    #[error("patient {id}{} is already stored; an import adds new patients only and replaces none", if .mrn.is_empty() { String::new() } else { format!(" (MRN {})", .mrn) })]
    PatientExists { id: String, mrn: String },
    #[error("{} date(s) already stored for this patient: {}{} (use --replace to overwrite them)", .total, .dates.join(", "), if *.total > .dates.len() { ", …" } else { "" })]
    DatesAlreadyStored { dates: Vec<String>, total: usize },
    #[error("audit key file {path}: {reason}")]
    AuditKeys { path: String, reason: String },
    #[error("audit checkpoint log {path}: {reason}")]
    Checkpoints { path: String, reason: String },
    #[error("stored {what} is not valid: {reason}")]
    Corrupt { what: String, reason: String },
    #[error(transparent)]
    Patient(#[from] PatientError),
    #[error(transparent)]
    Diary(#[from] DiaryError),
    #[error(transparent)]
    Drug(#[from] DrugError),
    #[error(transparent)]
    Prom(#[from] PromError),
    #[error(
        "a {instrument} is already recorded on {date}; correct that one instead of adding another"
    )]
    QuestionnaireExists {
        instrument: &'static str,
        date: chrono::NaiveDate,
    },
    #[error(transparent)]
    Limit(#[from] cephalog_core::limits::LimitError),
    #[error("{0} was changed by someone else meanwhile; read it again and retry")]
    ChangedMeanwhile(String),
    #[error("a correction or an entry in error needs {0}")]
    ChangeIncomplete(&'static str),
    #[error("session refused by the safety checks: {}", .0.refusals.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    SessionRefused(Box<SessionCheck>),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        /// PostgreSQL's "character not in repertoire", which it answers for NUL in text.
        const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";
        match &e {
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some(CHARACTER_NOT_IN_REPERTOIRE) =>
            {
                StoreError::NulInText
            }
            _ => StoreError::Database(e),
        }
    }
}

impl StoreError {
    pub(crate) fn connect(url: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
        move |source| StoreError::Connect {
            url: redact(url),
            source,
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>, reason: impl ToString) -> StoreError {
        StoreError::Corrupt {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

/// A URL with any password removed, fit for an error message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
