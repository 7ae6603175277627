//! The audit trail's seals, keys and checkpoints.
//!
//! Someone who can write the database file can edit rows, drop the append-only triggers and
//! recompute any plain hash. So each entry is *sealed*: an HMAC-SHA256, under a key the database
//! does not hold, over the previous entry's seal and the entry's own fields. Without the key no
//! entry can be changed, inserted or removed in the middle without breaking a seal.
//!
//! Removing the newest entries, or replacing the whole trail, leaves a shorter chain whose seals
//! are all still valid. Against that, the head of the chain is published in *checkpoints*: lines
//! `seq`, `head seal`, `time`, `key id`, signed with the same key ring under a separate label and
//! appended to a log outside the database (a file on another volume, or a log destination the
//! clinic ships elsewhere). The model is Certificate Transparency's signed tree head (RFC 9162
//! §4.10): a verifier holding an older checkpoint can show that the trail it is given still
//! contains the entry that checkpoint signed. `verify` checks every checkpoint against the trail.
//!
//! Keys: a key file holds one 256-bit key per line in hex; the last line signs new entries and
//! checkpoints, every line verifies. A key's id is derived from the key itself, so a line cannot
//! claim another key's id. Rotation appends a new line; old lines stay for verification.
//!
//! Chains: each clinic's entries form their own chain, numbered from 1, and entries about no
//! clinic (installation-level events) form the installation chain, so one clinic never waits on
//! another's appends and the trail can be distributed by clinic. A clinic chain's seals and
//! checkpoints cover the chain's name, so an entry or a checkpoint cannot be moved to another
//! chain. The installation chain carries the entries written before chains existed and is sealed
//! and checkpointed as it always was.
//!
//! Entries written before keyed seals existed carry a plain SHA-256 chain (`key_id` empty). They
//! are accepted only at the start of the trail: the first sealed entry covers the last plain one,
//! so rewriting the plain part breaks that seal.

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use hmac::{KeyInit, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The chain of installation-level entries (and of every entry written before chains existed).
pub const INSTALLATION_CHAIN: &str = "installation";

/// The hash the first audit entry chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Label that separates entry seals from checkpoint signatures under the same key.
const ENTRY_LABEL: &[u8] = b"cephalog audit entry v1";
/// Label of checkpoint signatures.
const CHECKPOINT_LABEL: &[u8] = b"cephalog audit checkpoint v1";
/// The first word of a checkpoint line.
const CHECKPOINT_MAGIC: &str = "cephalog-audit-checkpoint";
/// The domain label of a restore marker's signature: a checkpoint's signature cannot be passed off
/// as a restore's.
const RESTORE_LABEL: &[u8] = b"cephalog audit restore v1";
/// The first word of a restore marker in the checkpoint log.
const RESTORE_MAGIC: &str = "cephalog-audit-restore";

/// A checkpoint is stale when the trail holds entries made this long after it was signed: the
/// server writes one every minute while entries arrive, and the command line after every command
/// (a product default).
pub const CHECKPOINT_STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The longest `detail` (a refusal's reason) kept in an entry, in characters.
pub const MAX_DETAIL_CHARS: usize = 500;

/// An audit entry's fields as they enter the seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditFields {
    /// The chain: a clinic's id, or [`INSTALLATION_CHAIN`].
    pub chain: String,
    /// The entry's number within its chain, from 1.
    pub seq: i64,
    /// Truncated to microseconds, the precision both databases keep.
    pub at: DateTime<Utc>,
    /// Who: "<role>:<username>", "cli:<operating-system user>" or "share:<link id>".
    pub actor: String,
    /// What was done, e.g. "diary.write", "patient.read"; a refused request ends in ".refused"
    /// and an access the policy refused in ".denied".
    pub action: String,
    /// The record: kind and id.
    pub entity: String,
    pub entity_id: String,
    /// The patient whose data it is, if any.
    pub patient_id: Option<String>,
    /// From where: "web <address>", "api <address>" or "cli".
    pub source: String,
    /// Why a request was refused (empty for one that went through).
    pub detail: String,
}

impl AuditFields {
    /// The entry with its timestamp truncated to what storage keeps and its detail bounded.
    pub fn normalised(mut self) -> Self {
        self.at = self.at.trunc_subsecs(6);
        if self.detail.chars().count() > MAX_DETAIL_CHARS {
            self.detail = self.detail.chars().take(MAX_DETAIL_CHARS).collect();
        }
        self
    }

    fn time_text(&self) -> String {
        self.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// One key of the ring. Its secret never appears in `Debug` output.
#[derive(Clone)]
pub struct AuditKey {
    id: String,
    secret: [u8; 32],
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey").field("id", &self.id).finish()
    }
}

impl AuditKey {
    /// A fresh key from the operating system's generator.
    pub fn generate() -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self::from_secret(secret)
    }

    fn from_secret(secret: [u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"cephalog audit key id")
            .chain_update(secret)
            .finalize();
        let id = format!("k{}", &hex::encode(digest)[..12]);
        AuditKey { id, secret }
    }

    /// The key's id: "k" and 12 hex digits derived from the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The line a key file holds for this key.
    pub fn to_line(&self) -> String {
        hex::encode(self.secret)
    }

    fn mac(&self, label: &[u8], parts: &[&str]) -> HmacSha256 {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(label);
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p.as_bytes());
        }
        mac
    }

    fn sign(&self, label: &[u8], parts: &[&str]) -> String {
        hex::encode(self.mac(label, parts).finalize().into_bytes())
    }

    fn verifies(&self, label: &[u8], parts: &[&str], claimed: &str) -> bool {
        hex::decode(claimed).is_ok_and(|bytes| self.mac(label, parts).verify_slice(&bytes).is_ok())
    }
}

/// Why a key file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("holds no key (one line of 64 hex digits per key)")]
    Empty,
}

/// The keys that seal and verify the trail: the last signs, all verify.
#[derive(Debug, Clone)]
pub struct AuditKeyRing {
    keys: Vec<AuditKey>,
}

impl AuditKeyRing {
    /// A ring of one fresh key, kept only in memory (for a private in-memory database).
    pub fn ephemeral() -> Self {
        AuditKeyRing {
            keys: vec![AuditKey::generate()],
        }
    }

    /// Reads a key file: one key per line as 64 hex digits; blank lines and lines starting with
    /// `#` are ignored; the last key signs.
    pub fn parse(text: &str) -> Result<Self, KeyFileError> {
        let mut keys: Vec<AuditKey> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: &str| KeyFileError::Line {
                line: i + 1,
                reason: reason.to_owned(),
            };
            let bytes = hex::decode(line)
                .map_err(|_| bad("a key is 64 hex digits (256 bits), nothing else on the line"))?;
            let secret: [u8; 32] = bytes
                .try_into()
                .map_err(|_| bad("a key is 64 hex digits (256 bits)"))?;
            let key = AuditKey::from_secret(secret);
            if keys.iter().any(|k| k.id == key.id) {
                return Err(bad("the same key is listed twice"));
            }
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(KeyFileError::Empty);
        }
        Ok(AuditKeyRing { keys })
    }

    /// The text of a new key file holding one fresh key.
    pub fn new_file_text() -> String {
        format!(
            "{}{}\n",
            Self::file_header(),
            AuditKey::generate().to_line()
        )
    }

    /// The comment a key file starts with.
    pub fn file_header() -> &'static str {
        "# Cephalog audit keys: one 256-bit key per line in hex. The last line seals new audit\n\
         # entries and checkpoints; every line verifies. Keep this file away from the database\n\
         # and its backups. Rotate with `cephalog audit rotate-key`; never delete a line.\n"
    }

    /// The key that seals new entries.
    pub fn active(&self) -> &AuditKey {
        // `parse` and `ephemeral` never build an empty ring.
        &self.keys[self.keys.len() - 1]
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&AuditKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// The ids, oldest first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }
}

/// A stored entry: its fields, the seal it chains from, its own seal and the key that made it
/// (`None` for a plain SHA-256 entry written before keyed seals existed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainedEntry {
    #[serde(flatten)]
    pub fields: AuditFields,
    pub prev_hash: String,
    pub hash: String,
    pub key_id: Option<String>,
}

fn entry_parts<'a>(prev: &'a str, seq: &'a str, at: &'a str, f: &'a AuditFields) -> [&'a str; 9] {
    [
        prev,
        seq,
        at,
        &f.actor,
        &f.action,
        &f.entity,
        &f.entity_id,
        f.patient_id.as_deref().unwrap_or(""),
        &f.source,
    ]
}

/// The plain SHA-256 chain hash of entries written before keyed seals (no key, no detail).
pub fn legacy_hash(prev_hash: &str, f: &AuditFields) -> String {
    let mut h = Sha256::new();
    let (seq, at) = (f.seq.to_string(), f.time_text());
    for p in entry_parts(prev_hash, &seq, &at, f) {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What an entry's seal covers: the key, the entry's parts, its detail and, in a clinic's chain,
/// the chain's name (the installation chain's seals stay as they were before chains existed).
fn seal_parts<'a>(
    key_id: &'a str,
    prev: &'a str,
    seq: &'a str,
    at: &'a str,
    f: &'a AuditFields,
) -> Vec<&'a str> {
    let mut parts = Vec::with_capacity(12);
    parts.push(key_id);
    parts.extend(entry_parts(prev, seq, at, f));
    parts.push(&f.detail);
    if f.chain != INSTALLATION_CHAIN {
        parts.push(&f.chain);
    }
    parts
}

impl ChainedEntry {
    /// Seals `fields` (already numbered) after the entry whose seal is `prev_hash`.
    pub fn seal(key: &AuditKey, prev_hash: &str, fields: AuditFields) -> Self {
        let fields = fields.normalised();
        let (seq, at) = (fields.seq.to_string(), fields.time_text());
        let hash = key.sign(
            ENTRY_LABEL,
            &seal_parts(&key.id, prev_hash, &seq, &at, &fields),
        );
        ChainedEntry {
            fields,
            prev_hash: prev_hash.to_owned(),
            hash,
            key_id: Some(key.id.clone()),
        }
    }

    fn seal_holds(&self, ring: &AuditKeyRing) -> Result<(), String> {
        let (seq, at) = (self.fields.seq.to_string(), self.fields.time_text());
        match &self.key_id {
            None => {
                if self.fields.chain != INSTALLATION_CHAIN {
                    return Err("a plain-hash entry belongs to the installation chain".to_owned());
                }
                if !self.fields.detail.is_empty() {
                    return Err("a plain-hash entry cannot carry a detail".to_owned());
                }
                if legacy_hash(&self.prev_hash, &self.fields) == self.hash {
                    Ok(())
                } else {
                    Err("its fields no longer match its hash".to_owned())
                }
            }
            Some(id) => {
                let key = ring.get(id).ok_or_else(|| {
                    format!("it is sealed with key {id}, which the key file does not hold")
                })?;
                let parts = seal_parts(id, &self.prev_hash, &seq, &at, &self.fields);
                if key.verifies(ENTRY_LABEL, &parts, &self.hash) {
                    Ok(())
                } else {
                    Err(format!(
                        "its fields no longer match its seal (key {id}): changed or forged"
                    ))
                }
            }
        }
    }
}

/// Where the trail breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The chain it is in.
    pub chain: String,
    pub seq: i64,
    pub reason: String,
}

/// The end of a verified chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEnd {
    pub entries: usize,
    /// The last entry's number and seal (0 and [`GENESIS_HASH`] for an empty trail).
    pub seq: i64,
    pub hash: String,
    pub at: Option<DateTime<Utc>>,
}

/// Checks one chain's entries in order: all of one chain, numbers 1, 2, 3… without gaps, each chaining from the entry before it,
/// each seal recomputed under the key it names (plain hashes only before the first sealed entry).
/// A row that could not be read arrives as `Err` and is the break.
pub fn verify_chain<I>(entries: I, ring: &AuditKeyRing) -> Result<ChainEnd, ChainBreak>
where
    I: IntoIterator<Item = Result<ChainedEntry, ChainBreak>>,
{
    let mut end = ChainEnd {
        entries: 0,
        seq: 0,
        hash: GENESIS_HASH.to_owned(),
        at: None,
    };
    let mut sealed = false;
    let mut chain: Option<String> = None;
    for e in entries {
        let e = e?;
        let expected = end.seq + 1;
        let at = |reason: String| ChainBreak {
            chain: e.fields.chain.clone(),
            seq: e.fields.seq,
            reason,
        };
        match &chain {
            None => chain = Some(e.fields.chain.clone()),
            Some(c) if *c != e.fields.chain => {
                return Err(at(format!(
                    "it belongs to chain {}, not {c}",
                    e.fields.chain
                )));
            }
            Some(_) => {}
        }
        if e.fields.seq != expected {
            return Err(at(format!(
                "entry {expected} is missing (found {} next)",
                e.fields.seq
            )));
        }
        if e.prev_hash != end.hash {
            return Err(at("does not chain from the entry before it".to_owned()));
        }
        if e.key_id.is_none() && sealed {
            return Err(at(
                "it carries a plain hash after sealed entries began: written without the key"
                    .to_owned(),
            ));
        }
        e.seal_holds(ring).map_err(at)?;
        sealed |= e.key_id.is_some();
        end = ChainEnd {
            entries: end.entries + 1,
            seq: e.fields.seq,
            hash: e.hash,
            at: Some(e.fields.at),
        };
    }
    Ok(end)
}

/// A signed statement that the trail's entry `seq` had seal `hash` at time `at`. A *restore
/// marker* (`restore: true`) says the database was restored at `at` from a backup whose trail
/// ended at entry `seq`: earlier checkpoints of entries after `seq` describe a trail the restore
/// replaced, and no longer count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    pub restore: bool,
    /// The chain it signs: a clinic's id, or [`INSTALLATION_CHAIN`] (whose lines keep the v1
    /// form, without the chain).
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    pub key_id: String,
    pub signature: String,
}

impl Checkpoint {
    /// What the signature covers after the key id: the chain's name (not for the installation
    /// chain, whose v1 lines predate chains), the entry number, its seal and the time.
    fn parts(chain: &str, seq: &str, hash: &str, at: &str) -> Vec<String> {
        let mut parts = Vec::with_capacity(4);
        if chain != INSTALLATION_CHAIN {
            parts.push(chain.to_owned());
        }
        parts.extend([seq.to_owned(), hash.to_owned(), at.to_owned()]);
        parts
    }

    fn time_text(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    fn label(restore: bool) -> &'static [u8] {
        if restore {
            RESTORE_LABEL
        } else {
            CHECKPOINT_LABEL
        }
    }

    /// Signs the end of `chain` with the ring's active key.
    pub fn sign(ring: &AuditKeyRing, chain: &str, seq: i64, hash: &str, at: DateTime<Utc>) -> Self {
        Self::sign_as(false, ring, chain, seq, hash, at)
    }

    /// Signs a restore marker: the restored `chain` ends at entry `seq` with seal `hash`.
    pub fn sign_restore(
        ring: &AuditKeyRing,
        chain: &str,
        seq: i64,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Self::sign_as(true, ring, chain, seq, hash, at)
    }

    fn sign_as(
        restore: bool,
        ring: &AuditKeyRing,
        chain: &str,
        seq: i64,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Self {
        let key = ring.active();
        let at = at.trunc_subsecs(6);
        let parts = Self::parts(chain, &seq.to_string(), hash, &Self::time_text(at));
        let refs: Vec<&str> = std::iter::once(key.id.as_str())
            .chain(parts.iter().map(String::as_str))
            .collect();
        Checkpoint {
            restore,
            chain: chain.to_owned(),
            seq,
            hash: hash.to_owned(),
            at,
            key_id: key.id.clone(),
            signature: key.sign(Self::label(restore), &refs),
        }
    }

    /// Whether the signature holds under the key it names.
    pub fn check_signature(&self, ring: &AuditKeyRing) -> Result<(), String> {
        let key = ring.get(&self.key_id).ok_or_else(|| {
            format!(
                "signed with key {}, which the key file does not hold",
                self.key_id
            )
        })?;
        let parts = Self::parts(
            &self.chain,
            &self.seq.to_string(),
            &self.hash,
            &Self::time_text(self.at),
        );
        let refs: Vec<&str> = std::iter::once(self.key_id.as_str())
            .chain(parts.iter().map(String::as_str))
            .collect();
        if key.verifies(Self::label(self.restore), &refs, &self.signature) {
            Ok(())
        } else {
            Err("its signature does not hold: the line was changed or forged".to_owned())
        }
    }

    /// The line a checkpoint log holds: `v1` for the installation chain, `v2 chain=<id>` for a
    /// clinic's.
    pub fn to_line(&self) -> String {
        let version = if self.chain == INSTALLATION_CHAIN {
            "v1".to_owned()
        } else {
            format!("v2 chain={}", self.chain)
        };
        format!(
            "{} {version} seq={} head={} at={} key={} sig={}",
            if self.restore {
                RESTORE_MAGIC
            } else {
                CHECKPOINT_MAGIC
            },
            self.seq,
            self.hash,
            Self::time_text(self.at),
            self.key_id,
            self.signature
        )
    }

    /// Reads one line of a checkpoint log.
    pub fn parse_line(line: &str) -> Result<Self, String> {
        let mut words = line.split_whitespace();
        let restore = match words.next() {
            Some(CHECKPOINT_MAGIC) => false,
            Some(RESTORE_MAGIC) => true,
            _ => return Err(format!("not a '{CHECKPOINT_MAGIC} v1' line")),
        };
        let v2 = match words.next() {
            Some("v1") => false,
            Some("v2") => true,
            _ => return Err(format!("not a '{CHECKPOINT_MAGIC} v1' or 'v2' line")),
        };
        let mut field = |name: &str| -> Result<String, String> {
            words
                .next()
                .and_then(|w| w.strip_prefix(name)?.strip_prefix('='))
                .map(str::to_owned)
                .ok_or_else(|| format!("the {name}= field is missing or out of place"))
        };
        let chain = if v2 {
            let chain = field("chain")?;
            if chain == INSTALLATION_CHAIN {
                return Err("a v2 line names the installation chain, which v1 lines sign".into());
            }
            chain
        } else {
            INSTALLATION_CHAIN.to_owned()
        };
        let seq = field("seq")?;
        let hash = field("head")?;
        let at = field("at")?;
        let key_id = field("key")?;
        let signature = field("sig")?;
        Ok(Checkpoint {
            restore,
            chain,
            seq: seq
                .parse()
                .map_err(|_| format!("seq '{seq}' is not a number"))?,
            hash,
            at: DateTime::parse_from_rfc3339(&at)
                .map_err(|_| format!("at '{at}' is not a time"))?
                .with_timezone(&Utc),
            key_id,
            signature,
        })
    }
}

/// What the checkpoints say about a trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointReport {
    /// Valid checkpoint lines read.
    pub checkpoints: usize,
    /// The newest checkpoint's entry number and time.
    pub latest: Option<(i64, DateTime<Utc>)>,
    /// Entries after the newest checkpoint (not yet covered by one).
    pub uncovered: i64,
    /// The first problem found, if any.
    pub problem: Option<String>,
}

/// Checks a checkpoint log (lines with their numbers) against a verified chain `chain` (lines of
/// other chains are only checked for their signatures): every line must be
/// a valid signed checkpoint, every checkpointed entry must still be in the trail with the same
/// seal, and a trail with entries needs a checkpoint no older than [`CHECKPOINT_STALE_AFTER`]
/// before its newest entry. A checkpoint followed by a restore marker of an earlier entry
/// describes a trail the restore replaced and is not held against the trail. `seal_of(seq)`
/// answers the trail's seal of entry `seq`.
pub fn check_checkpoints(
    ring: &AuditKeyRing,
    chain: &str,
    lines: &[(usize, String)],
    end: &ChainEnd,
    seal_of: impl Fn(i64) -> Option<String>,
) -> CheckpointReport {
    check_log(ring, chain, lines, end, seal_of, false)
}

/// [`check_checkpoints`] for a backup about to be restored: its trail may end before the log's
/// newest checkpoints (they describe entries made after the backup), but every checkpoint of an
/// entry it holds must match, so a backup whose trail was rewritten is refused. Staleness is not
/// asked of a backup.
pub fn check_backup_checkpoints(
    ring: &AuditKeyRing,
    chain: &str,
    lines: &[(usize, String)],
    end: &ChainEnd,
    seal_of: impl Fn(i64) -> Option<String>,
) -> CheckpointReport {
    check_log(ring, chain, lines, end, seal_of, true)
}

fn check_log(
    ring: &AuditKeyRing,
    chain: &str,
    lines: &[(usize, String)],
    end: &ChainEnd,
    seal_of: impl Fn(i64) -> Option<String>,
    backup: bool,
) -> CheckpointReport {
    let mut report = CheckpointReport {
        checkpoints: 0,
        latest: None,
        uncovered: end.seq,
        problem: None,
    };
    let mut read = Vec::with_capacity(lines.len());
    for (line, text) in lines {
        let checked = Checkpoint::parse_line(text).and_then(|cp| {
            cp.check_signature(ring)?;
            Ok(cp)
        });
        match checked {
            Ok(cp) if cp.chain == chain => read.push((*line, cp)),
            Ok(_) => {}
            Err(e) => {
                report.problem = Some(format!("checkpoint line {line}: {e}"));
                return report;
            }
        }
    }
    for (i, (line, cp)) in read.iter().enumerate() {
        let replaced = read[i + 1..]
            .iter()
            .any(|(_, later)| later.restore && later.seq < cp.seq);
        if replaced || (backup && cp.seq > end.seq) {
            continue;
        }
        if cp.seq > end.seq {
            report.problem = Some(format!(
                "checkpoint line {line} (signed {}) records entry {}, but the trail ends at \
                 entry {}: entries were removed",
                cp.at, cp.seq, end.seq
            ));
            return report;
        }
        if cp.seq > 0 && seal_of(cp.seq).as_deref() != Some(cp.hash.as_str()) {
            report.problem = Some(format!(
                "entry {} differs from checkpoint line {line} (signed {}): the trail was \
                 rewritten",
                cp.seq, cp.at
            ));
            return report;
        }
        report.checkpoints += 1;
        if report.latest.is_none_or(|(seq, _)| cp.seq >= seq) {
            report.latest = Some((cp.seq, cp.at));
            report.uncovered = end.seq - cp.seq;
        }
    }
    if backup {
        return report;
    }
    match (report.latest, end.at) {
        (None, Some(_)) => {
            report.problem = Some(
                "no checkpoint: a removed tail or a replaced trail cannot be found".to_owned(),
            );
        }
        (Some((_, cp_at)), Some(last_at))
            if report.uncovered > 0 && last_at - cp_at > CHECKPOINT_STALE_AFTER =>
        {
            report.problem = Some(format!(
                "the newest checkpoint (signed {cp_at}) is stale: {} entries up to {last_at} \
                 are not covered by one",
                report.uncovered
            ));
        }
        _ => {}
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(seq: i64) -> AuditFields {
        AuditFields {
            chain: INSTALLATION_CHAIN.into(),
            seq,
            at: DateTime::parse_from_rfc3339("2026-03-01T10:00:00.123456789Z")
                .expect("time")
                .with_timezone(&Utc),
            actor: "clinician:ana".into(),
            action: "patient.read".into(),
            entity: "patient".into(),
            entity_id: "p1".into(),
            patient_id: Some("p1".into()),
            source: "web 127.0.0.1".into(),
            detail: String::new(),
        }
    }

    fn chain(ring: &AuditKeyRing, n: i64) -> Vec<ChainedEntry> {
        chain_of(ring, n, "patient.read")
    }

    fn chain_of(ring: &AuditKeyRing, n: i64, action: &str) -> Vec<ChainedEntry> {
        sealed(ring, n, |seq| AuditFields {
            action: action.to_owned(),
            ..fields(seq)
        })
    }

    /// Entries 1…`n` with the fields `make` gives each number, each sealed after the one before.
    fn sealed(ring: &AuditKeyRing, n: i64, make: impl Fn(i64) -> AuditFields) -> Vec<ChainedEntry> {
        let mut out: Vec<ChainedEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out
                .last()
                .map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
            out.push(ChainedEntry::seal(ring.active(), &prev, make(seq)));
        }
        out
    }

    fn verify(ring: &AuditKeyRing, entries: &[ChainedEntry]) -> Result<ChainEnd, ChainBreak> {
        verify_chain(entries.iter().cloned().map(Ok), ring)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let ring = AuditKeyRing::ephemeral();
        let end = verify(&ring, &chain(&ring, 5)).expect("intact");
        assert_eq!((end.entries, end.seq), (5, 5));
        assert_eq!(verify(&ring, &[]).expect("empty").seq, 0);
        assert_eq!(
            chain(&ring, 1)[0].fields.at.timestamp_subsec_nanos(),
            123_456_000,
            "microseconds kept"
        );
    }

    #[test]
    fn changed_deleted_and_forged_rows_are_found() {
        let ring = AuditKeyRing::ephemeral();
        let mut changed = chain(&ring, 5);
        changed[2].fields.actor = "clinician:mallory".into();
        assert_eq!(verify(&ring, &changed).map_err(|b| b.seq), Err(3));
        let mut detail = chain(&ring, 5);
        detail[1].fields.detail = "edited".into();
        assert_eq!(verify(&ring, &detail).map_err(|b| b.seq), Err(2));
        let mut deleted = chain(&ring, 5);
        deleted.remove(3);
        assert_eq!(verify(&ring, &deleted).map_err(|b| b.seq), Err(5));
        // Without the key, an edited entry can only be given a plain hash or a guessed seal.
        let mut rehashed = chain(&ring, 5);
        rehashed[1].fields.action = "diary.read".into();
        rehashed[1].hash = legacy_hash(&rehashed[1].prev_hash, &rehashed[1].fields);
        rehashed[1].key_id = None;
        let b = verify(&ring, &rehashed).expect_err("forged");
        assert_eq!(b.seq, 2, "{b:?}");
        let other = AuditKeyRing::ephemeral();
        let mut resealed = chain(&ring, 5);
        resealed[1].fields.action = "diary.read".into();
        let forged = ChainedEntry::seal(
            other.active(),
            &resealed[0].hash,
            resealed[1].fields.clone(),
        );
        resealed[1] = forged;
        let b = verify(&ring, &resealed).expect_err("another key");
        assert_eq!(b.seq, 2);
        assert!(b.reason.contains("does not hold"), "{b:?}");
    }

    #[test]
    fn plain_hashes_are_accepted_only_before_the_first_seal() {
        let ring = AuditKeyRing::ephemeral();
        let mut entries: Vec<ChainedEntry> = Vec::new();
        let mut prev = GENESIS_HASH.to_owned();
        for seq in 1..=2 {
            let f = fields(seq).normalised();
            let hash = legacy_hash(&prev, &f);
            entries.push(ChainedEntry {
                fields: f,
                prev_hash: prev.clone(),
                hash: hash.clone(),
                key_id: None,
            });
            prev = hash;
        }
        entries.push(ChainedEntry::seal(ring.active(), &prev, fields(3)));
        assert_eq!(verify(&ring, &entries).expect("upgraded trail").seq, 3);
        // Rewriting the plain part breaks the first seal, which covers it.
        let mut rewritten = entries.clone();
        rewritten[1].fields.actor = "x".into();
        rewritten[1].hash = legacy_hash(&rewritten[1].prev_hash, &rewritten[1].fields);
        assert_eq!(verify(&ring, &rewritten).map_err(|b| b.seq), Err(3));
        // A plain entry appended after sealing began is refused.
        let last = entries[2].hash.clone();
        let f = fields(4).normalised();
        let hash = legacy_hash(&last, &f);
        entries.push(ChainedEntry {
            fields: f,
            prev_hash: last,
            hash,
            key_id: None,
        });
        assert_eq!(verify(&ring, &entries).map_err(|b| b.seq), Err(4));
    }

    #[test]
    fn rotated_keys_verify_old_entries_and_a_missing_key_is_named() {
        let first = AuditKey::generate();
        let second = AuditKey::generate();
        let one = AuditKeyRing::parse(&first.to_line()).expect("ring");
        let both = AuditKeyRing::parse(&format!(
            "{}{}\n\n{}\n",
            AuditKeyRing::file_header(),
            first.to_line(),
            second.to_line()
        ))
        .expect("ring");
        assert_eq!(both.active().id(), second.id());
        let mut entries = chain(&one, 3);
        let prev = entries[2].hash.clone();
        entries.push(ChainedEntry::seal(both.active(), &prev, fields(4)));
        assert_eq!(verify(&both, &entries).expect("both keys").seq, 4);
        let b = verify(&one, &entries).expect_err("second key missing");
        assert_eq!(b.seq, 4);
        assert!(b.reason.contains(second.id()), "{b:?}");
    }

    #[test]
    fn key_files_are_checked_line_by_line() {
        assert_eq!(
            AuditKeyRing::parse("# only a comment\n").map(|_| ()),
            Err(KeyFileError::Empty)
        );
        let short = AuditKeyRing::parse(&format!("# c\n{}\n", "ab".repeat(31)));
        assert!(
            matches!(short, Err(KeyFileError::Line { line: 2, .. })),
            "{short:?}"
        );
        let junk = AuditKeyRing::parse("zz\n");
        assert!(matches!(junk, Err(KeyFileError::Line { line: 1, .. })));
        let k = AuditKey::generate().to_line();
        let twice = AuditKeyRing::parse(&format!("{k}\n{k}\n"));
        assert!(matches!(twice, Err(KeyFileError::Line { line: 2, .. })));
        assert!(!format!("{:?}", AuditKey::generate()).contains(&k[..8]));
        assert!(AuditKeyRing::parse(&AuditKeyRing::new_file_text()).is_ok());
    }

    #[test]
    fn a_restore_marker_replaces_the_checkpoints_after_the_backup() {
        let ring = AuditKeyRing::ephemeral();
        let entries = chain(&ring, 5);
        let seal_of = |seq: i64| {
            entries
                .iter()
                .find(|e| e.fields.seq == seq)
                .map(|e| e.hash.clone())
        };
        let at = entries[4].fields.at;
        let at3 = Checkpoint::sign(&ring, INSTALLATION_CHAIN, 3, &entries[2].hash, at).to_line();
        let at5 = Checkpoint::sign(&ring, INSTALLATION_CHAIN, 5, &entries[4].hash, at).to_line();
        // A backup taken at entry 3 is checked against the log: entries 4 and 5 came later.
        let backup = verify(&ring, &entries[..3]).expect("intact");
        let lines = [(1, at3.clone()), (2, at5.clone())];
        let r = check_backup_checkpoints(&ring, INSTALLATION_CHAIN, &lines, &backup, seal_of);
        assert_eq!((r.problem.as_deref(), r.checkpoints), (None, 1), "{r:?}");
        // Without a restore marker, the restored trail reads as a removed tail.
        let r = check_checkpoints(&ring, INSTALLATION_CHAIN, &lines, &backup, seal_of);
        assert!(r.problem.as_deref().is_some_and(|p| p.contains("removed")));
        // With it, the checkpoint of entry 5 describes the replaced trail.
        let marker = Checkpoint::sign_restore(&ring, INSTALLATION_CHAIN, 3, &entries[2].hash, at);
        let line = marker.to_line();
        assert!(
            line.starts_with("cephalog-audit-restore v1 seq=3 "),
            "{line}"
        );
        assert_eq!(Checkpoint::parse_line(&line).as_ref(), Ok(&marker));
        let lines = [(1, at3), (2, at5.clone()), (3, line.clone())];
        let r = check_checkpoints(&ring, INSTALLATION_CHAIN, &lines, &backup, seal_of);
        assert_eq!(
            (r.problem.as_deref(), r.latest.map(|l| l.0)),
            (None, Some(3))
        );
        // A checkpoint's signature does not make a restore marker.
        let forged = at5.replace("cephalog-audit-checkpoint", "cephalog-audit-restore");
        let r = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, at5), (2, forged)],
            &backup,
            seal_of,
        );
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("checkpoint line 2")),
            "{r:?}"
        );
        // A backup whose trail was rewritten is refused.
        let other = chain_of(&ring, 3, "diary.read");
        let other_end = verify(&ring, &other).expect("intact");
        let r =
            check_backup_checkpoints(&ring, INSTALLATION_CHAIN, &[(1, line)], &other_end, |seq| {
                other
                    .iter()
                    .find(|e| e.fields.seq == seq)
                    .map(|e| e.hash.clone())
            });
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.contains("rewritten"))
        );
    }

    #[test]
    fn checkpoints_find_a_removed_tail_a_rewrite_and_staleness() {
        let ring = AuditKeyRing::ephemeral();
        let entries = chain(&ring, 5);
        let end = verify(&ring, &entries).expect("intact");
        let seal_of = |seq: i64| {
            entries
                .iter()
                .find(|e| e.fields.seq == seq)
                .map(|e| e.hash.clone())
        };
        let at = entries[4].fields.at;
        let cp = Checkpoint::sign(&ring, INSTALLATION_CHAIN, 5, &entries[4].hash, at);
        let line = cp.to_line();
        assert_eq!(Checkpoint::parse_line(&line).as_ref(), Ok(&cp));
        let ok = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, line.clone())],
            &end,
            seal_of,
        );
        assert_eq!(
            (ok.problem.as_deref(), ok.checkpoints, ok.uncovered),
            (None, 1, 0)
        );

        // The tail removed: the trail ends before the checkpoint.
        let shorter = verify(&ring, &entries[..3]).expect("a shorter chain is intact");
        let r = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, line.clone())],
            &shorter,
            seal_of,
        );
        assert!(
            r.problem.as_deref().is_some_and(|p| p.contains("removed")),
            "{r:?}"
        );

        // The whole trail replaced (by someone holding the key, even): the checkpointed entry
        // has another seal.
        let other = chain_of(&ring, 6, "diary.read");
        let other_end = verify(&ring, &other).expect("intact");
        let r = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, line.clone())],
            &other_end,
            |seq| {
                other
                    .iter()
                    .find(|e| e.fields.seq == seq)
                    .map(|e| e.hash.clone())
            },
        );
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.contains("rewritten")),
            "{r:?}"
        );

        // An edited or foreign checkpoint line.
        let edited = line.replace("seq=5", "seq=4");
        let r = check_checkpoints(&ring, INSTALLATION_CHAIN, &[(3, edited)], &end, seal_of);
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("checkpoint line 3")),
            "{r:?}"
        );
        let r = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, "hello".into())],
            &end,
            seal_of,
        );
        assert!(r.problem.is_some());

        // None at all, and one too old for the newest entries.
        let r = check_checkpoints(&ring, INSTALLATION_CHAIN, &[], &end, seal_of);
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("no checkpoint"))
        );
        let old = Checkpoint::sign(
            &ring,
            INSTALLATION_CHAIN,
            2,
            &entries[1].hash,
            at - CHECKPOINT_STALE_AFTER,
        );
        let r = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, old.to_line())],
            &end,
            seal_of,
        );
        assert_eq!(r.problem, None, "exactly the allowance is not stale: {r:?}");
        let older = Checkpoint::sign(
            &ring,
            INSTALLATION_CHAIN,
            2,
            &entries[1].hash,
            at - CHECKPOINT_STALE_AFTER - chrono::TimeDelta::seconds(1),
        );
        let r = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, older.to_line())],
            &end,
            seal_of,
        );
        assert!(
            r.problem.as_deref().is_some_and(|p| p.contains("stale")),
            "{r:?}"
        );
        assert_eq!(r.uncovered, 3);
    }

    #[test]
    fn a_clinic_chain_binds_its_entries_and_checkpoints_to_its_name() {
        let ring = AuditKeyRing::ephemeral();
        let clinic = "0190c0de-0000-7000-8000-000000000001";
        let entries = sealed(&ring, 3, |seq| AuditFields {
            chain: clinic.into(),
            ..fields(seq)
        });
        let end = verify(&ring, &entries).expect("intact");
        // The same seals under another chain's name, or the installation's, do not hold.
        for other in ["0190c0de-0000-7000-8000-000000000002", INSTALLATION_CHAIN] {
            let mut moved = entries.clone();
            for e in &mut moved {
                e.fields.chain = other.into();
            }
            assert_eq!(verify(&ring, &moved).map_err(|b| b.seq), Err(1), "{other}");
        }
        // A plain hash is never accepted in a clinic's chain.
        let mut plain = entries.clone();
        plain[0].key_id = None;
        plain[0].hash = legacy_hash(&plain[0].prev_hash, &plain[0].fields);
        assert!(verify(&ring, &plain[..1]).is_err());

        let at = entries[2].fields.at;
        let cp = Checkpoint::sign(&ring, clinic, 3, &entries[2].hash, at);
        let line = cp.to_line();
        assert!(line.starts_with(&format!(
            "cephalog-audit-checkpoint v2 chain={clinic} seq=3 "
        )));
        assert_eq!(Checkpoint::parse_line(&line).as_ref(), Ok(&cp));
        let seal_of = |seq: i64| {
            entries
                .iter()
                .find(|e| e.fields.seq == seq)
                .map(|e| e.hash.clone())
        };
        let ok = check_checkpoints(&ring, clinic, &[(1, line.clone())], &end, seal_of);
        assert_eq!((ok.problem.as_deref(), ok.checkpoints), (None, 1), "{ok:?}");
        // Another chain's check skips the line: its own trail has no checkpoint.
        let other = check_checkpoints(
            &ring,
            INSTALLATION_CHAIN,
            &[(1, line.clone())],
            &end,
            seal_of,
        );
        assert_eq!(other.checkpoints, 0);
        // The line relabelled to another chain no longer verifies.
        let relabelled = line.replace(clinic, "0190c0de-0000-7000-8000-000000000002");
        let r = check_checkpoints(&ring, clinic, &[(1, relabelled)], &end, seal_of);
        assert!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.contains("signature")),
            "{r:?}"
        );
        // A v2 line cannot claim the installation chain.
        let claimed = line.replace(clinic, INSTALLATION_CHAIN);
        assert!(Checkpoint::parse_line(&claimed).is_err());
    }
}
