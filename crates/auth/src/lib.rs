//! Accounts and the audit trail's integrity.
//!
//! - Passwords are hashed with argon2id (PHC string format, a random salt per password) and
//!   verified in constant time by the `argon2` crate.
//! - Roles and usernames are validated values.
//! - Every audit entry is sealed with an HMAC-SHA256 under a key the database does not hold, over
//!   the previous entry's seal and its own fields, and the chain's head is published in signed
//!   checkpoints outside the database ([`audit`]).

pub mod audit;

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;

pub use audit::{
    AuditFields, AuditKey, AuditKeyRing, ChainBreak, ChainEnd, ChainedEntry, Checkpoint,
    CheckpointReport, GENESIS_HASH, INSTALLATION_CHAIN, KeyFileError, check_backup_checkpoints,
    check_checkpoints, verify_chain,
};

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; clinics handling health
/// data commonly require more) [U].
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Length of generated passwords.
pub const GENERATED_PASSWORD_CHARS: usize = 20;

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
}
