//! `fengqiao user add|roles`: create staff accounts from the terminal (the first system
//! administrator, for one) and list the role names.

use super::DbArgs;
use crate::config::Config;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::users::NewUser;
use std::io::BufRead;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (one line).
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// A role name (repeat for several); see `fengqiao user roles`.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Code of the unit the account works in (its jurisdiction); see `fengqiao org list`.
        #[arg(long)]
        jurisdiction: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the role names.
    Roles,
}

pub async fn run(config: Option<std::path::PathBuf>, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Roles => {
            for r in Role::ALL {
                println!("{:<20} {} / {}", r.as_str(), r.label_zh(), r.label_en());
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Add { db, username, roles, jurisdiction, name } => {
            let mut parsed = vec![];
            for r in &roles {
                parsed.push(
                    Role::parse(r)
                        .ok_or_else(|| anyhow::anyhow!("--role: unknown role \"{r}\"; see `fengqiao user roles`"))?,
                );
            }
            let mut cfg = Config::load(config.as_deref(), Config::default())?;
            db.apply(&mut cfg);
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            if let Err(key) =
                fengqiao_app::accounts::check_password_policy(cfg.server.password_policy, &username, password)
            {
                anyhow::bail!("password: {}", fengqiao_server::i18n::t(fengqiao_server::i18n::Lang::En, key));
            }
            let store = cfg.open_store(true).await?;
            let unit = match store.unit_by_code(&jurisdiction).await {
                Ok(u) => u,
                Err(fengqiao_store::StoreError::NotFound) => {
                    anyhow::bail!("--jurisdiction: no unit with code \"{jurisdiction}\"; see `fengqiao org list`")
                }
                Err(e) => return Err(e.into()),
            };
            let nu = NewUser {
                username: username.clone(),
                display_name: name.unwrap_or_else(|| username.clone()),
                unit_id: unit.id,
                title: None,
                officer_rank: None,
                mediator_kind: None,
                roles: parsed,
                phone: None,
                password_hash: Some(fengqiao_app::accounts::hash_password(password)),
            };
            match store.create_user(&AuditCtx::system("cli", "user add"), &nu).await {
                Ok(id) => {
                    println!("created user {username} (id {id}) in {} {}", unit.code, unit.name);
                    Ok(ExitCode::SUCCESS)
                }
                Err(fengqiao_store::StoreError::Conflict { .. }) => {
                    anyhow::bail!("--username: \"{username}\" is taken")
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
