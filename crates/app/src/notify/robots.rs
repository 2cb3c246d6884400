//! Configuring robots (系统管理员, per unit), seeing their deliveries, and the links in
//! notices that let an instruction's recipient acknowledge it from the phone.
//!
//! A robot's address is checked before it is kept: DingTalk's and WeCom's own addresses, or
//! an address starting with one of `settings.robot_url_prefixes` (a generic webhook must be
//! listed there: the server will not post to just any address it is given).

use super::{DEFAULT_TOPICS, Platform, TOPICS};
use crate::{Actor, App, Error, Result};
use fengqiao_domain::FieldError;
use fengqiao_domain::policy::Action;

pub use fengqiao_store::notify::{DeliveryRow, RobotRow};

const DINGTALK: &str = "https://oapi.dingtalk.com/robot/send?access_token=";
const WECOM: &str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=";

/// A robot as a form or the API gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobotIn {
    /// The unit whose area's notices it receives.
    pub unit: String,
    /// dingtalk, wecom or webhook.
    pub platform: String,
    pub name: String,
    /// The robot's webhook address.
    pub url: String,
    /// DingTalk's signing secret (SEC…), or a webhook's key; WeCom has none.
    #[serde(default)]
    pub secret: String,
    /// Topics it receives; the default when empty.
    #[serde(default)]
    pub topics: Vec<String>,
}

pub async fn add(app: &App, actor: &Actor, r: &RobotIn) -> Result<i64> {
    actor.authorize(app, Action::EditOrg, actor.jurisdiction(), ("robot", "new")).await?;
    let mut errors = vec![];
    let unit = match app.store.unit_by_code(r.unit.trim()).await {
        Ok(u) => Some(u),
        Err(fengqiao_store::StoreError::NotFound) => {
            errors.push(FieldError::new("unit", format!("no unit \"{}\"", r.unit.trim())));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let platform = Platform::parse(r.platform.trim());
    if platform.is_none() {
        errors.push(FieldError::new("platform", "dingtalk, wecom or webhook"));
    }
    let name = r.name.trim();
    if !(1..=40).contains(&name.chars().count()) {
        errors.push(FieldError::new("name", "1–40 characters"));
    }
    let url = r.url.trim();
    let listed = app.settings.robot_url_prefixes.iter().any(|p| !p.is_empty() && url.starts_with(p.as_str()));
    let own = match platform {
        Some(Platform::DingTalk) => url.starts_with(DINGTALK) && url.len() > DINGTALK.len(),
        Some(Platform::WeCom) => url.starts_with(WECOM) && url.len() > WECOM.len(),
        _ => false,
    };
    if url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) || !(own || listed) {
        errors.push(FieldError::new(
            "url",
            match platform {
                Some(Platform::DingTalk) => {
                    "a DingTalk robot's address (https://oapi.dingtalk.com/robot/send?access_token=…)"
                }
                Some(Platform::WeCom) => {
                    "a WeCom robot's address (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)"
                }
                _ => "an address allowed by the robot_url_prefixes setting",
            },
        ));
    }
    let secret = r.secret.trim();
    match platform {
        Some(Platform::DingTalk) if !(secret.starts_with("SEC") && (10..=200).contains(&secret.len())) => {
            errors.push(FieldError::new("secret", "the robot's signing secret (SEC…): sign its messages"))
        }
        Some(Platform::Webhook) if !(16..=200).contains(&secret.len()) => {
            errors.push(FieldError::new("secret", "a key of 16–200 characters to sign the requests"))
        }
        Some(Platform::WeCom) if !secret.is_empty() => {
            errors.push(FieldError::new("secret", "WeCom robots have no secret; leave it empty"))
        }
        _ => {}
    }
    let topics: Vec<String> = if r.topics.is_empty() {
        DEFAULT_TOPICS.iter().map(|t| t.to_string()).collect()
    } else {
        let mut t: Vec<String> = r.topics.iter().map(|t| t.trim().to_string()).collect();
        t.sort();
        t.dedup();
        t
    };
    if let Some(bad) = topics.iter().find(|t| !TOPICS.contains(&t.as_str())) {
        errors.push(FieldError::new("topics", format!("unknown topic \"{bad}\"; one of {}", TOPICS.join(", "))));
    }
    if let Some(u) = &unit
        && !actor.can(Action::EditOrg, &u.path)
    {
        errors.push(FieldError::new("unit", "outside your jurisdiction"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (unit, platform) = (unit.expect("checked"), platform.expect("checked"));
    let new = fengqiao_store::notify::NewRobot {
        unit_id: unit.id.0,
        platform: platform.as_str().into(),
        name: name.into(),
        url: url.into(),
        secret: Some(secret.to_string()).filter(|s| !s.is_empty()),
        topics,
    };
    Ok(app.store.create_robot(&actor.audit_ctx("add robot"), &new, app.clock.now()).await?)
}

/// The robots of the actor's jurisdiction (addresses and secrets are never shown again).
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<RobotRow>> {
    actor.authorize(app, Action::ViewOrg, actor.jurisdiction(), ("robot", "list")).await?;
    Ok(app.store.robots_under(&actor.jurisdiction().0).await?)
}

/// Stop a robot.
pub async fn disable(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let Some(r) = app.store.robot(id).await? else { return Err(Error::NotFound) };
    let path = fengqiao_domain::org::UnitPath(r.path.clone());
    if !actor.can(Action::ViewOrg, &path) {
        return Err(Error::NotFound);
    }
    actor.authorize(app, Action::EditOrg, &path, ("robot", &id.to_string())).await?;
    app.store.disable_robot(&actor.audit_ctx("disable robot"), id, app.clock.now()).await?;
    Ok(())
}

/// Deliveries to the robots of the actor's jurisdiction, newest first.
pub async fn deliveries(app: &App, actor: &Actor, limit: i64, offset: i64) -> Result<Vec<DeliveryRow>> {
    actor.authorize(app, Action::ViewOrg, actor.jurisdiction(), ("delivery", "list")).await?;
    Ok(app.store.deliveries_under(&actor.jurisdiction().0, limit, offset).await?)
}

/// What an acknowledgement link leads to.
#[derive(Debug, Clone)]
pub enum Link {
    /// Usable: the instruction, for whom.
    Open {
        instruction: Box<crate::instructions::InstructionRow>,
        username: String,
    },
    Expired,
    Used,
    Unknown,
}

/// Look a link up (a GET: it changes nothing, so a messenger's preview cannot use it).
pub async fn link(app: &App, token: &str) -> Result<Link> {
    if token.len() > 100 {
        return Ok(Link::Unknown);
    }
    let Some((code, username, expires_at, used_at)) = app.store.ack_link(&super::deliver::link_hash(token)).await?
    else {
        return Ok(Link::Unknown);
    };
    if used_at.is_some() {
        return Ok(Link::Used);
    }
    if expires_at <= app.clock.now() {
        return Ok(Link::Expired);
    }
    let instruction = app.store.instruction(&code).await?.ok_or(Error::NotFound)?;
    Ok(Link::Open { instruction: Box::new(instruction), username })
}

/// Acknowledge through a link: once, before it expires, as the person it was made for. The
/// step is audited as theirs, made "by link".
pub async fn acknowledge_by_link(app: &App, token: &str, client: &str) -> Result<Link> {
    let found = link(app, token).await?;
    let Link::Open { instruction, username } = &found else { return Ok(found) };
    if !app.store.use_ack_link(&super::deliver::link_hash(token), app.clock.now()).await? {
        return Ok(Link::Used);
    }
    let user = app.store.user_by_username(username).await?;
    if user.disabled {
        return Ok(Link::Unknown);
    }
    let actor = Actor {
        user,
        token_hash: String::new(),
        csrf_token: String::new(),
        session_kind: "link".into(),
        client: client.to_string(),
        lang: crate::Lang::ZhCn,
        second_factor: crate::actor::SecondFactor::Done,
        password_expired: false,
    };
    crate::instructions::step(app, &actor, &instruction.code, "acknowledge", "").await?;
    Ok(found)
}
