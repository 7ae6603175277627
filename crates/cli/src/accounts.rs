//! `cephalog user` and `cephalog audit`.

use std::io::BufRead;

use anyhow::{Context, Result, bail};

use cephalog_auth::{Role, Username, generate_password, hash_password};
use cephalog_store::Store;

use crate::commands::print_json;
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
                "id", "name", "scope", "created", "expires", "last used", "revoked",
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

pub async fn audit(store: &Store, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify => {
            let v = store.verify_audit().await?;
            match &v.broken {
                None => {
                    println!(
                        "audit trail intact: {} entries, chain verified to entry {}",
                        v.entries, v.head_seq
                    );
                    Ok(())
                }
                Some(b) => bail!(
                    "audit trail broken at entry {}: {} ({} entries read)",
                    b.seq,
                    b.reason,
                    v.entries
                ),
            }
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
                    f.action.clone(),
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
