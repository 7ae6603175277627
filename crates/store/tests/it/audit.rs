//! Tampering with the audit trail by someone who holds the database but not the key file: each
//! kind is found and the first bad entry named.

use cephalog_auth::{AuditFields, AuditKeyRing, ChainedEntry, GENESIS_HASH, audit::legacy_hash};
use cephalog_store::{AuditEvent, AuditSettings, Store, rotate_key_file};
use uuid::Uuid;

use crate::stories::raw;
use crate::story;

/// Six entries; the third is a share link's opening.
async fn six_entries(store: &Store) -> Uuid {
    let patient = Uuid::now_v7();
    let link = Uuid::now_v7();
    let events = [
        (
            "clinician:dr.lee",
            "patient.read",
            "patient",
            patient.to_string(),
            "",
        ),
        (
            "clinician:dr.lee",
            "share.create",
            "share_link",
            link.to_string(),
            "",
        ),
        (
            "share:link",
            "share.open",
            "share_link",
            link.to_string(),
            "",
        ),
        (
            "patient:ada",
            "diary.write",
            "patient",
            patient.to_string(),
            "",
        ),
        (
            "patient:ada",
            "diary.write.refused",
            "patient",
            patient.to_string(),
            "days[0].peak_intensity: must be 0-3",
        ),
        (
            "nurse:kim",
            "diary.read",
            "patient",
            patient.to_string(),
            "",
        ),
    ];
    for (actor, action, entity, id, detail) in events {
        store
            .audit(AuditEvent {
                clinic: None,
                actor: actor.to_owned(),
                action: action.to_owned(),
                entity: entity.to_owned(),
                entity_id: id,
                patient: Some(patient),
                source: "web 127.0.0.1".to_owned(),
                detail: detail.to_owned(),
            })
            .await
            .expect("append");
    }
    patient
}

async fn drop_triggers(store: &Store) {
    raw(
        store,
        "DROP TRIGGER audit_log_no_update",
        "DROP TRIGGER audit_log_no_change ON audit_log",
    )
    .await;
    raw(store, "DROP TRIGGER audit_log_no_delete", "SELECT 1").await;
}

/// What someone without the key can do: keep the first `keep` entries, rewrite the rest from
/// `entries` with the plain SHA-256 chain the code documents, numbers in order, and move the head
/// to match.
async fn rewrite_plain(store: &Store, entries: &[ChainedEntry], keep: usize) {
    let delete = format!("DELETE FROM audit_log WHERE seq > {keep}");
    raw(store, &delete, &delete).await;
    let mut prev = keep
        .checked_sub(1)
        .map_or(GENESIS_HASH.to_owned(), |i| entries[i].hash.clone());
    for (i, e) in entries.iter().enumerate().skip(keep) {
        let f = AuditFields {
            seq: i64::try_from(i).expect("small") + 1,
            detail: String::new(),
            ..e.fields.clone()
        };
        let hash = legacy_hash(&prev, &f);
        let sql = format!(
            "INSERT INTO audit_log (chain, seq, at, actor, action, entity, entity_id, patient_id, source, \
             prev_hash, hash, key_id, detail) VALUES ('installation', {}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', \
             '{prev}', '{hash}', NULL, '')",
            f.seq,
            f.at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
            f.actor,
            f.action,
            f.entity,
            f.entity_id,
            f.patient_id.clone().unwrap_or_default(),
            f.source
        );
        raw(store, &sql, &sql).await;
        prev = hash;
    }
    let head = format!(
        "UPDATE audit_chains SET last_seq = {}, last_hash = '{prev}' WHERE chain = 'installation'",
        entries.len()
    );
    raw(store, &head, &head).await;
}

story!(
    the_documented_tamper_scenario_is_found,
    |store: Store| async move {
        six_entries(&store).await;
        assert!(store.write_checkpoint().await.expect("checkpoint").len() == 1);
        assert!(
            store
                .write_checkpoint()
                .await
                .expect("checkpoint")
                .is_empty(),
            "no second checkpoint while the head has not moved"
        );
        let v = store.verify_audit().await.expect("verify");
        assert!(v.is_intact(), "{v:?}");
        let report = v.checkpoints.expect("a checkpoint log is configured");
        assert_eq!((report.checkpoints, report.uncovered), (1, 0));
        let trail = store.audit_trail(None).await.expect("trail");
        assert_eq!(trail[4].fields.action, "diary.write.refused");
        assert_eq!(
            trail[4].fields.detail,
            "days[0].peak_intensity: must be 0-3"
        );

        // The server is stopped; the triggers are dropped; the share link's opening becomes a
        // clinician's diary read; the entry after it is deleted; the hashes are recomputed and
        // the head moved to match.
        drop_triggers(&store).await;
        let mut forged: Vec<ChainedEntry> = trail.clone();
        forged[2].fields.actor = "clinician:dr.lee".into();
        forged[2].fields.action = "diary.read".into();
        forged[2].fields.entity = "patient".into();
        forged.remove(3);
        rewrite_plain(&store, &forged, 2).await;
        let v = store.verify_audit().await.expect("verify");
        assert!(!v.is_intact());
        let broken = v.broken.expect("the rewrite is found");
        assert_eq!(
            broken.seq, 3,
            "the first rewritten entry has no seal: {broken:?}"
        );
        assert!(broken.reason.contains("without the key"), "{broken:?}");
    }
);

story!(
    a_rewrite_that_keeps_old_seals_is_found_at_the_first_changed_entry,
    |store: Store| async move {
        six_entries(&store).await;
        drop_triggers(&store).await;
        // Entry 3 edited in place, its seal left as it was.
        raw(
            &store,
            "UPDATE audit_log SET actor = 'clinician:dr.lee', action = 'diary.read' WHERE seq = 3",
            "UPDATE audit_log SET actor = 'clinician:dr.lee', action = 'diary.read' WHERE seq = 3",
        )
        .await;
        let broken = store
            .verify_audit()
            .await
            .expect("verify")
            .broken
            .expect("found");
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("seal"), "{broken:?}");
        // Entry 4 deleted as well: entry 3 is still the first bad one.
        raw(
            &store,
            "DELETE FROM audit_log WHERE seq = 4",
            "DELETE FROM audit_log WHERE seq = 4",
        )
        .await;
        assert_eq!(
            store
                .verify_audit()
                .await
                .expect("verify")
                .broken
                .map(|b| b.seq),
            Some(3)
        );
    }
);

story!(
    a_removed_tail_with_the_head_moved_is_found_against_the_checkpoint,
    |store: Store| async move {
        six_entries(&store).await;
        store.write_checkpoint().await.expect("checkpoint");
        let trail = store.audit_trail(None).await.expect("trail");
        drop_triggers(&store).await;
        raw(
            &store,
            "DELETE FROM audit_log WHERE seq > 4",
            "DELETE FROM audit_log WHERE seq > 4",
        )
        .await;
        let head = format!(
            "UPDATE audit_chains SET last_seq = 4, last_hash = '{}' WHERE chain = 'installation'",
            trail[3].hash
        );
        raw(&store, &head, &head).await;
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(v.broken, None, "the shorter chain's seals all hold");
        let problem = v.checkpoints.and_then(|c| c.problem).expect("found");
        assert!(
            problem.contains("records entry 6") && problem.contains("removed"),
            "{problem}"
        );

        // The whole trail replaced by a plain chain of the same length is found too.
        rewrite_plain(&store, &trail, 0).await;
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(
            v.broken.map(|b| b.seq),
            None,
            "an all-plain trail chains by itself"
        );
        let problem = v.checkpoints.and_then(|c| c.problem).expect("found");
        assert!(problem.contains("rewritten"), "{problem}");
    }
);

story!(
    a_malformed_row_is_named_not_a_decode_error,
    |store: Store| async move {
        six_entries(&store).await;
        // SQLite keeps any text in `at`; PostgreSQL's column is typed, so there the constraint on
        // the actor is dropped and a row without one inserted.
        raw(
            &store,
            "INSERT INTO audit_log (chain, seq, at, actor, action, entity, entity_id, patient_id, source, \
             prev_hash, hash, key_id, detail) VALUES ('installation', 7, 'x', 'a', 'b', 'c', 'd', NULL, 'e', 'f', 'g', NULL, '')",
            "ALTER TABLE audit_log ALTER COLUMN actor DROP NOT NULL",
        )
        .await;
        raw(
            &store,
            "SELECT 1",
            "INSERT INTO audit_log (chain, seq, at, actor, action, entity, entity_id, patient_id, source, \
             prev_hash, hash, key_id, detail) VALUES ('installation', 7, now(), NULL, 'b', 'c', 'd', NULL, 'e', 'f', 'g', NULL, '')",
        )
        .await;
        let broken = store
            .verify_audit()
            .await
            .expect("verify names the row")
            .broken
            .expect("found");
        assert_eq!(broken.seq, 7);
        assert!(broken.reason.starts_with("malformed row"), "{broken:?}");
        assert!(
            store.audit_trail(None).await.is_err(),
            "reading it for display says it is corrupt"
        );
    }
);

story!(
    a_missing_checkpoint_log_is_reported,
    |store: Store| async move {
        six_entries(&store).await;
        let path = store
            .audit_settings()
            .checkpoints
            .clone()
            .expect("configured");
        store.write_checkpoint().await.expect("checkpoint");
        std::fs::remove_file(&path).expect("remove the log");
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(v.broken, None);
        let problem = v.checkpoints.and_then(|c| c.problem).expect("found");
        assert!(problem.starts_with("no checkpoint"), "{problem}");
        // A log without a configured path says nothing about checkpoints at all.
        let plain = store.with_audit_settings(AuditSettings {
            checkpoints: None,
            ..store.audit_settings().clone()
        });
        assert_eq!(
            plain.verify_audit().await.expect("verify").checkpoints,
            None
        );
    }
);

story!(
    keys_rotate_and_old_entries_still_verify,
    |store: Store| async move {
        six_entries(&store).await;
        store.write_checkpoint().await.expect("checkpoint");
        let settings = store.audit_settings().clone();
        let key_file = settings.key_file.clone().expect("a key file");
        let old = settings.keys.active().id().to_owned();
        let new = rotate_key_file(&key_file).expect("rotate");
        assert_ne!(old, new);
        let rotated = store.with_audit_settings(
            AuditSettings::from_key_file(&key_file, settings.checkpoints.clone(), false)
                .expect("read the rotated file"),
        );
        assert_eq!(rotated.audit_settings().keys.active().id(), new);
        let e = rotated
            .audit(AuditEvent {
                actor: "cli:root".into(),
                action: "audit.rotate".into(),
                entity: "audit".into(),
                entity_id: new.clone(),
                source: "cli".into(),
                ..AuditEvent::default()
            })
            .await
            .expect("append under the new key");
        assert_eq!(e.key_id.as_deref(), Some(new.as_str()));
        rotated.write_checkpoint().await.expect("checkpoint");
        let v = rotated.verify_audit().await.expect("verify");
        assert!(v.is_intact(), "{v:?}");
        assert_eq!(v.checkpoints.map(|c| c.checkpoints), Some(2));
        // A ring without the old key names the first entry it cannot check.
        let text = std::fs::read_to_string(&key_file).expect("read");
        let newest = text
            .lines()
            .rfind(|l| !l.starts_with('#') && !l.trim().is_empty())
            .expect("a key");
        let only_new = AuditKeyRing::parse(newest).expect("ring");
        let partial = store.with_audit_settings(AuditSettings {
            keys: only_new,
            key_file: None,
            checkpoints: None,
        });
        let broken = partial
            .verify_audit()
            .await
            .expect("verify")
            .broken
            .expect("found");
        assert_eq!(broken.seq, 1);
        assert!(broken.reason.contains(&old), "{broken:?}");
    }
);

story!(
    a_trail_that_no_longer_matches_its_checkpoint_is_not_signed_again,
    |store: Store| async move {
        six_entries(&store).await;
        store.write_checkpoint().await.expect("checkpoint");
        let trail = store.audit_trail(None).await.expect("trail");
        drop_triggers(&store).await;
        raw(
            &store,
            "DELETE FROM audit_log WHERE seq > 4",
            "DELETE FROM audit_log WHERE seq > 4",
        )
        .await;
        let head = format!(
            "UPDATE audit_chains SET last_seq = 4, last_hash = '{}' WHERE chain = 'installation'",
            trail[3].hash
        );
        raw(&store, &head, &head).await;
        store
            .audit(AuditEvent {
                actor: "cli:root".into(),
                action: "patient.read".into(),
                entity: "patient".into(),
                entity_id: "x".into(),
                source: "cli".into(),
                ..AuditEvent::default()
            })
            .await
            .expect("append");
        let err = store.write_checkpoint().await.expect_err("refused");
        assert!(err.to_string().contains("no longer matches"), "{err}");
        let problem = store
            .verify_audit()
            .await
            .expect("verify")
            .checkpoints
            .and_then(|c| c.problem)
            .expect("found");
        assert!(problem.contains("removed"), "{problem}");
    }
);

fn clinic_event(clinic: Uuid, n: usize) -> AuditEvent {
    AuditEvent {
        clinic: Some(clinic),
        actor: format!("clinician:c{n}"),
        action: "patient.read".into(),
        entity: "patient".into(),
        entity_id: format!("p{n}"),
        source: "web 127.0.0.1".into(),
        ..AuditEvent::default()
    }
}

story!(
    each_clinic_has_its_own_chain_and_concurrent_appends_are_all_kept,
    |store: Store| async move {
        let a = store.clinic("Clinic A").await.expect("clinic");
        let b = store.clinic("Clinic B").await.expect("clinic");
        // Appends from many requests at once, two clinics and the installation interleaved:
        // batched into shared transactions, each answered with its own entry.
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..60 {
            let store = store.clone();
            let clinic = match n % 3 {
                0 => Some(a),
                1 => Some(b),
                _ => None,
            };
            tasks.spawn(async move {
                let mut e = clinic_event(Uuid::nil(), n);
                e.clinic = clinic;
                store.audit(e).await.expect("append")
            });
        }
        let mut answered = Vec::new();
        while let Some(e) = tasks.join_next().await {
            answered.push(e.expect("task"));
        }
        for (chain, want) in [
            (a.to_string(), 20),
            (b.to_string(), 20),
            ("installation".to_owned(), 20),
        ] {
            let mut seqs: Vec<i64> = answered
                .iter()
                .filter(|e| e.fields.chain == chain)
                .map(|e| e.fields.seq)
                .collect();
            seqs.sort_unstable();
            assert_eq!(
                seqs,
                (1..=want).collect::<Vec<i64>>(),
                "chain {chain} numbered from 1"
            );
        }
        assert_eq!(store.write_checkpoint().await.expect("checkpoint").len(), 3);
        let v = store.verify_audit().await.expect("verify");
        assert!(v.is_intact(), "{v:?}");
        assert_eq!(v.entries, 60);
        assert_eq!(
            v.chain(&b.to_string()).map(|c| (c.entries, c.head_seq)),
            Some((20, 20))
        );

        // An entry copied into another clinic's chain does not verify there.
        drop_triggers(&store).await;
        let moved = format!(
            "INSERT INTO audit_log (chain, seq, at, actor, action, entity, entity_id, patient_id, \
             source, prev_hash, hash, key_id, detail) SELECT '{b}', 21, at, actor, action, entity, \
             entity_id, patient_id, source, (SELECT hash FROM audit_log WHERE chain = '{b}' AND \
             seq = 20), hash, key_id, detail FROM audit_log WHERE chain = '{a}' AND seq = 1"
        );
        raw(&store, &moved, &moved).await;
        let head = format!("UPDATE audit_chains SET last_seq = 21 WHERE chain = '{b}'");
        raw(&store, &head, &head).await;
        let v = store.verify_audit().await.expect("verify");
        let broken = v.broken.clone().expect("found");
        assert_eq!(
            (broken.chain.as_str(), broken.seq),
            (b.to_string().as_str(), 21),
            "{v:?}"
        );
        assert!(
            v.chain(&a.to_string()).is_some_and(|c| c.broken.is_none()),
            "A is untouched"
        );

        // Clinic B's chain removed whole, head row and all: its checkpoint still names it.
        let gone = format!("DELETE FROM audit_log WHERE chain = '{b}'");
        raw(&store, &gone, &gone).await;
        let gone = format!("DELETE FROM audit_chains WHERE chain = '{b}'");
        raw(&store, &gone, &gone).await;
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(v.broken, None, "what is left chains");
        let problem = v.checkpoints.and_then(|c| c.problem).expect("found");
        assert!(problem.contains(&format!("chain {b}")), "{problem}");
        assert!(problem.contains("removed"), "{problem}");
    }
);

story!(
    an_entry_about_a_patient_goes_to_the_patients_clinic_chain,
    |store: Store| async move {
        let clinic = store.clinic("Clinic C").await.expect("clinic");
        let p = cephalog_core::Patient::new(
            "Chain Example",
            chrono::NaiveDate::from_ymd_opt(1980, 1, 1).expect("date"),
            None,
            Some("CH-1".into()),
            String::new(),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        )
        .expect("patient");
        let r = store.add_patient_in(clinic, &p).await.expect("add");
        let mut e = clinic_event(Uuid::nil(), 1);
        e.clinic = None;
        e.patient = Some(r.id);
        let stored = store.audit(e.clone()).await.expect("append");
        assert_eq!(stored.fields.chain, clinic.to_string());
        // Unknown patient and no clinic: the installation's chain.
        e.patient = Some(Uuid::now_v7());
        assert_eq!(
            store.audit(e).await.expect("append").fields.chain,
            "installation"
        );
        let trail = store.audit_trail(Some(r.id)).await.expect("trail");
        assert_eq!(trail.len(), 1);
    }
);

story!(
    verifying_while_appends_go_on_reads_one_moment_of_the_trail,
    |store: Store| async move {
        let clinic = store.clinic("Clinic A").await.expect("clinic");
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..200 {
                    store.audit(clinic_event(clinic, n)).await.expect("append");
                }
            })
        };
        // Each verification reads the heads and the entries while entries keep committing: a
        // head read before a commit and entries read after it would look like a broken chain.
        let mut checked = 0;
        while !writer.is_finished() {
            let v = store.verify_audit().await.expect("verify");
            assert!(v.broken.is_none(), "{:?}", v.broken);
            checked += 1;
        }
        writer.await.expect("writer");
        let v = store.verify_audit().await.expect("verify");
        assert!(
            v.broken.is_none() && v.entries == 200,
            "{v:?} after {checked} checks"
        );
    }
);
