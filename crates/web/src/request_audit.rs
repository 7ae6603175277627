//! What a request carries for its audit entries: the queue the audit layer appends once the
//! request is answered, and the reason an error response gives for refusing it. A leaf module, so
//! the sign-in, the errors and the audit layer share them without depending on one another.

use std::sync::{Arc, Mutex};

use cephalog_store::AuditEvent;

/// The audit entries of one request, appended when it has been answered.
#[derive(Debug, Clone, Default)]
pub struct RequestAudit(pub(crate) Arc<Mutex<Vec<AuditEvent>>>);

/// Why a request was refused: the error responses carry it for the audit entry.
#[derive(Debug, Clone)]
pub struct Refusal(pub String);
