//! Accounts and the audit trail's integrity.
//!
//! - Passwords are hashed with argon2id (PHC string format, a random salt per password) and
//!   verified in constant time by the `argon2` crate.
//! - Roles and usernames are validated values.
//! - Every audit entry carries the SHA-256 of the previous entry's hash and its own fields, so a
//!   changed, inserted or deleted row breaks the chain ([`verify_chain`]).

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, SubsecRound, Utc};
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; clinics handling health
/// data commonly require more) [U].
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Length of generated passwords.
pub const GENERATED_PASSWORD_CHARS: usize = 20;
/// The hash the first audit entry chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("password: at least {MIN_PASSWORD_CHARS} characters are needed")]
    PasswordTooShort,
    #[error("password: could not be hashed: {0}")]
    Hashing(String),
    #[error("username: '{0}' must be 3–64 characters of letters, digits, '.', '-', '_' or '@'")]
    BadUsername(String),
    #[error("role: '{0}' is not one of admin, clinician, nurse, patient")]
    UnknownRole(String),
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users; sees the clinic's patients.
    Admin,
    /// Sees and treats the clinic's patients.
    Clinician,
    /// Sees the clinic's patients, records diaries, questionnaires and sessions.
    Nurse,
    /// Sees and edits only their own diary and sees their own results.
    Patient,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Clinician, Role::Nurse, Role::Patient];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clinician => "clinician",
            Role::Nurse => "nurse",
            Role::Patient => "patient",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_lowercase())
            .ok_or_else(|| AuthError::UnknownRole(s.to_owned()))
    }
}

/// A login name: 3–64 characters of letters, digits and `.-_@`, kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn new(s: &str) -> Result<Self, AuthError> {
        let t = s.trim().to_lowercase();
        let ok = (3..=64).contains(&t.chars().count())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if ok {
            Ok(Username(t))
        } else {
            Err(AuthError::BadUsername(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Hashes a password with argon2id and a fresh random salt; the PHC string is stored.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AuthError::PasswordTooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// A random password of letters and digits from the operating system's generator (via the
/// thread-local cryptographically secure generator).
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), GENERATED_PASSWORD_CHARS)
}

/// An audit entry's fields as they enter the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFields {
    pub seq: i64,
    /// Truncated to microseconds, the precision both databases keep.
    pub at: DateTime<Utc>,
    /// Who: "user:<username>" or "cli:<operating-system user>".
    pub actor: String,
    /// What was done, e.g. "diary.import", "patient.read".
    pub action: String,
    /// The record: kind and id.
    pub entity: String,
    pub entity_id: String,
    /// The patient whose data it is, if any.
    pub patient_id: Option<String>,
    /// From where: an IP address, or "cli".
    pub source: String,
}

impl AuditFields {
    /// The entry with its timestamp truncated to what storage keeps.
    pub fn normalised(mut self) -> Self {
        self.at = self.at.trunc_subsecs(6);
        self
    }
}

/// SHA-256 over the previous hash and the fields, each length-prefixed so no two field lists
/// hash alike; lower-case hex.
pub fn chain_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
    let at = f.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let seq = f.seq.to_string();
    let parts: [&str; 9] = [
        prev_hash,
        &seq,
        &at,
        &f.actor,
        &f.action,
        &f.entity,
        &f.entity_id,
        f.patient_id.as_deref().unwrap_or(""),
        &f.source,
    ];
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A stored entry: fields plus the hashes kept with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainedEntry {
    #[serde(flatten)]
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks entries in order: sequence numbers 1, 2, 3… without gaps, each `prev_hash` equal to the
/// previous entry's hash, and each hash recomputed from its fields.
pub fn verify_chain(entries: &[ChainedEntry]) -> Result<usize, ChainBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    for (i, e) in entries.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if e.fields.seq != expected_seq {
            return Err(ChainBreak {
                seq: e.fields.seq,
                reason: format!(
                    "entry {expected_seq} is missing (found {} next)",
                    e.fields.seq
                ),
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak {
                seq: e.fields.seq,
                reason: "does not chain from the entry before it".to_owned(),
            });
        }
        if chain_hash(&prev, &e.fields) != e.hash {
            return Err(ChainBreak {
                seq: e.fields.seq,
                reason: "its fields no longer match its hash".to_owned(),
            });
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        assert_eq!(hash_password("short"), Err(AuthError::PasswordTooShort));
        assert_eq!(
            hash_password("elevenchars"),
            Err(AuthError::PasswordTooShort)
        );
        let h = hash_password("twelve chars").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("twelve chars", &h));
        assert!(!verify_password("twelve chars!", &h));
        assert_ne!(
            hash_password("twelve chars").expect("hash"),
            h,
            "a fresh salt each time"
        );
        assert!(!verify_password("anything", "not a hash"));
        assert_eq!(generate_password().len(), GENERATED_PASSWORD_CHARS);
    }

    #[test]
    fn usernames_and_roles_are_validated() {
        assert_eq!(
            Username::new(" Ana.Ruiz@clinic ").map(|u| u.to_string()),
            Ok("ana.ruiz@clinic".to_owned())
        );
        assert!(Username::new("ab").is_err());
        assert!(Username::new("has space").is_err());
        assert_eq!("Nurse".parse::<Role>(), Ok(Role::Nurse));
        assert!("doctor".parse::<Role>().is_err());
    }

    fn entry(seq: i64, prev: &str) -> ChainedEntry {
        let fields = AuditFields {
            seq,
            at: DateTime::parse_from_rfc3339("2026-03-01T10:00:00.123456789Z")
                .expect("time")
                .with_timezone(&Utc),
            actor: "user:ana".into(),
            action: "patient.read".into(),
            entity: "patient".into(),
            entity_id: "p1".into(),
            patient_id: Some("p1".into()),
            source: "127.0.0.1".into(),
        }
        .normalised();
        let hash = chain_hash(prev, &fields);
        ChainedEntry {
            fields,
            prev_hash: prev.to_owned(),
            hash,
        }
    }

    fn chain(n: i64) -> Vec<ChainedEntry> {
        let mut out: Vec<ChainedEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out
                .last()
                .map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
            out.push(entry(seq, &prev));
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
        assert_eq!(
            chain(1)[0].fields.at.timestamp_subsec_nanos(),
            123_456_000,
            "microseconds kept"
        );
    }

    #[test]
    fn changed_deleted_and_reordered_rows_are_found() {
        let mut changed = chain(5);
        changed[2].fields.actor = "user:mallory".into();
        assert_eq!(verify_chain(&changed).map_err(|b| b.seq), Err(3));
        let mut deleted = chain(5);
        deleted.remove(3);
        assert_eq!(verify_chain(&deleted).map_err(|b| b.seq), Err(5));
        let mut last_deleted = chain(5);
        last_deleted.pop();
        assert_eq!(
            verify_chain(&last_deleted),
            Ok(4),
            "a removed tail is caught against the stored head"
        );
        let mut rehashed = chain(5);
        rehashed[1].fields.action = "patient.write".into();
        rehashed[1].hash = chain_hash(&rehashed[1].prev_hash, &rehashed[1].fields);
        assert_eq!(
            verify_chain(&rehashed).map_err(|b| b.seq),
            Err(3),
            "rehashing one row breaks the next link"
        );
    }
}
