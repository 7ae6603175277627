//! Server-side sessions kept in the database (`web_sessions`), found by the SHA-256 of the cookie's
//! session id, so any server behind the load balancer can serve any request.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

use cephalog_store::Store;

/// How often expired sessions are deleted.
const SWEEP_EVERY: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub(crate) struct DbSessionStore {
    store: Store,
}

impl DbSessionStore {
    pub(crate) fn new(store: Store) -> Self {
        DbSessionStore { store }
    }
}

fn id_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

fn expiry(record: &Record) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
        .ok_or_else(|| Error::Encode("session expiry out of range".to_owned()))
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))
}

fn backend(e: cephalog_store::StoreError) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = encode(record)?;
        let expires = expiry(record)?;
        // A fresh random id until one is free (a collision of 128-bit ids is not expected).
        while !self
            .store
            .create_web_session(&id_hash(&record.id), &data, expires)
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.store
            .save_web_session(&id_hash(&record.id), &encode(record)?, expiry(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some((data, expires)) = self
            .store
            .web_session(&id_hash(id))
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires.timestamp())
            .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.store
            .delete_web_session(&id_hash(id))
            .await
            .map_err(backend)
    }
}

/// Deletes expired sessions now and then, for as long as the server runs.
pub(crate) async fn sweep_expired(store: Store) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        match store.expire_web_sessions().await {
            Ok(n) if n > 0 => tracing::info!(expired = n, "expired sessions deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot delete expired sessions"),
        }
    }
}
