//! `cephalog user` and `cephalog audit`.

use std::io::BufRead;

use anyhow::{Context, Result, bail};

use cephalog_auth::{Role, Username, generate_password, hash_password};
use cephalog_store::Store;

use crate::output::print_json;
use crate::output::table;
use crate::{AuditCommand, UserCommand, access};

/// The password from the first line of standard input, or a generated one (and whether it was).
fn password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let p = line.trim_end_matches(['\r', '\n']).to_owned();
        if p.is_empty() {
            bail!("no password on standard input");
        }
        Ok((p, false))
    } else {
        Ok((generate_password(), true))
    }
}

pub async fn user(store: &Store, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            name,
            role,
            patient,
            clinic,
            password_stdin,
        } => {
            let username = Username::new(&username)?;
            let role = role.parse::<Role>()?;
            let patient = match patient {
                Some(p) => Some(access::patient(store, &p).await?.id),
                None => None,
            };
            let (pw, generated) = password(password_stdin)?;
            let hash = hash_password(&pw)?;
            let u = store
                .add_user(&clinic, username, &name, role, patient, &hash)
                .await?;
            access::record(store, patient, "user", &u.id.to_string()).await?;
            println!("{} ({}) added to {}", u.username, u.role, u.clinic);
            if generated {
                println!("password (shown once): {pw}");
            }
        }
        UserCommand::List => {
            let mut t = table();
            t.set_header(["username", "name", "role", "clinic", "patient", "status"]);
            for u in store.users().await? {
                t.add_row([
                    u.username.to_string(),
                    u.display_name.clone(),
                    u.role.to_string(),
                    u.clinic.clone(),
                    u.patient_id.map(|p| p.to_string()).unwrap_or_default(),
                    if u.disabled { "disabled" } else { "active" }.to_owned(),
                ]);
            }
            println!("{t}");
        }
        UserCommand::Token {
            username,
            name,
            scope,
            expires,
        } => {
            let scope: cephalog_store::TokenScope = scope.parse()?;
            let u = user_named(store, &username).await?;
            let secret = cephalog_web::auth::new_token();
            let t = store
                .add_api_token(
                    u.id,
                    &name,
                    &cephalog_web::auth::token_hash(&secret),
                    scope,
                    expires,
                )
                .await?;
            access::record(store, None, "api_token", &t.id.to_string()).await?;
            println!(
                "token {} for {} ({name}), scope {}, expires {}:",
                t.id,
                u.username,
                t.scope.as_str(),
                t.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            println!("{secret}");
            println!("(shown once: send it as 'Authorization: Bearer <token>')");
        }
        UserCommand::RevokeToken { username, id } => {
            let u = user_named(store, &username).await?;
            store.revoke_api_token(u.id, id).await?;
            access::record(store, None, "api_token", &id.to_string()).await?;
            println!("token {id} of {} revoked", u.username);
        }
        UserCommand::Tokens { username } => {
            let u = user_named(store, &username).await?;
            let mut t = table();
            t.set_header([
                "id",
                "name",
                "scope",
                "created",
                "expires",
                "last used",
                "revoked",
            ]);
            let fmt = |d: Option<chrono::DateTime<chrono::Utc>>| {
                d.map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default()
            };
            for k in store.api_tokens(u.id).await? {
                t.add_row([
                    k.id.to_string(),
                    k.name.clone(),
                    k.scope.as_str().to_owned(),
                    k.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    k.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                    fmt(k.last_used_at),
                    fmt(k.revoked_at),
                ]);
            }
            println!("{t}");
        }
        UserCommand::Disable { username } => {
            let username = Username::new(&username)?;
            store.set_user_disabled(&username, true).await?;
            access::record(store, None, "user", username.as_str()).await?;
            println!("{username} disabled");
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let username = Username::new(&username)?;
            let (pw, generated) = password(password_stdin)?;
            store
                .set_password_hash(&username, &hash_password(&pw)?)
                .await?;
            access::record(store, None, "user", username.as_str()).await?;
            println!("password of {username} reset");
            if generated {
                println!("password (shown once): {pw}");
            }
        }
    }
    Ok(())
}

async fn user_named(store: &Store, username: &str) -> Result<cephalog_store::UserRecord> {
    let name = Username::new(username)?;
    store
        .user_with_hash(&name)
        .await?
        .map(|(u, _)| u)
        .with_context(|| format!("no user {name}"))
}

pub async fn audit(store: &Store, target: &crate::Target, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { json } => {
            let v = store.verify_audit().await?;
            if json {
                print_json(&v)?;
            } else {
                print_verification(store, &v);
            }
            match (&v.broken, &v.checkpoints) {
                (Some(b), _) => bail!(
                    "audit trail broken at entry {} of chain {}: {} ({} entries read)",
                    b.seq,
                    b.chain,
                    b.reason,
                    v.entries
                ),
                (None, None) => bail!(
                    "no checkpoint log is configured (--audit-checkpoints): a removed tail or a \
                     replaced trail cannot be found"
                ),
                (None, Some(c)) => match &c.problem {
                    Some(p) => bail!("audit trail not verified: {p}"),
                    None => Ok(()),
                },
            }
        }
        AuditCommand::Checkpoint => {
            if store.audit_settings().checkpoints.is_none() {
                bail!("no checkpoint log is configured (--audit-checkpoints)")
            }
            let written = store.write_checkpoint().await?;
            if written.is_empty() {
                println!("the newest checkpoints already cover every chain's head");
            }
            for cp in written {
                println!(
                    "checkpoint signed: chain {}, entry {} at {}",
                    cp.chain, cp.seq, cp.at
                );
            }
            Ok(())
        }
        AuditCommand::MarkRestored => {
            let markers = store.mark_restored().await?;
            println!(
                "restore recorded in the checkpoint log: the restored trail verified, {} chain(s)",
                markers.len()
            );
            for m in markers {
                println!("  chain {}: to entry {} at {}", m.chain, m.seq, m.at);
            }
            Ok(())
        }
        AuditCommand::RotateKey => {
            let settings = target.audit_settings()?;
            let path = settings
                .key_file
                .context("this database's audit key is kept only in memory: nothing to rotate")?;
            // A checkpoint under the old key first, so the trail up to now is anchored.
            store.write_checkpoint().await?;
            let id = cephalog_store::rotate_key_file(&path)?;
            println!(
                "new audit key {id} added to {}: it seals new entries and checkpoints; keep the \
                 earlier lines, they verify older entries",
                path.display()
            );
            Ok(())
        }
        AuditCommand::Log { patient, json } => {
            let who = match patient {
                Some(p) => Some(access::patient(store, &p).await?.id),
                None => {
                    access::clinic(store).await?;
                    None
                }
            };
            let entries = store.audit_trail(who).await?;
            if json {
                return print_json(&entries);
            }
            let mut t = table();
            t.set_header([
                "#",
                "when (UTC)",
                "who",
                "action",
                "record",
                "patient",
                "from",
            ]);
            for e in &entries {
                let f = &e.fields;
                t.add_row([
                    f.seq.to_string(),
                    f.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    f.actor.clone(),
                    if f.detail.is_empty() {
                        f.action.clone()
                    } else {
                        format!("{}: {}", f.action, f.detail)
                    },
                    format!("{} {}", f.entity, f.entity_id),
                    f.patient_id.clone().unwrap_or_default(),
                    f.source.clone(),
                ]);
            }
            println!("{t}");
            Ok(())
        }
    }
}

fn print_verification(store: &Store, v: &cephalog_store::AuditVerification) {
    let keys = store.audit_settings().keys.ids().join(", ");
    match &v.broken {
        None => println!(
            "audit trail intact: {} entries in {} chain(s), every seal verified (keys: {keys})",
            v.entries,
            v.chains.len()
        ),
        Some(b) => println!(
            "audit trail: BROKEN at entry {} of chain {}: {}",
            b.seq, b.chain, b.reason
        ),
    }
    for c in &v.chains {
        println!(
            "  chain {}: {} entries, head at entry {}{}",
            c.chain,
            c.entries,
            c.head_seq,
            if c.broken.is_some() {
                " — BROKEN"
            } else {
                ""
            }
        );
    }
    match &v.checkpoints {
        None => println!("checkpoints: no checkpoint log configured"),
        Some(c) => {
            let latest = c.latest.map_or_else(
                || "none".to_owned(),
                |(seq, at)| format!("entry {seq}, signed {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
            );
            println!(
                "checkpoints: {} valid, newest {latest}; {} entries after it",
                c.checkpoints, c.uncovered
            );
            if let Some(p) = &c.problem {
                println!("checkpoints: PROBLEM: {p}");
            }
        }
    }
}
