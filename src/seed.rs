//! Reference data and demo accounts from `seed/`, compiled into the binary so a
//! deployment needs no source tree. Seeding is idempotent: existing rows are kept.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::json;

use crate::admin::users::{self, NewUser};
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::config::InstanceKind;
use crate::entities::{app_user, centre, centre_capacity, legal_rule};
use crate::error::{AppError, AppResult};

const CENTRES_TOML: &str = include_str!("../seed/centres.toml");
const DEMO_USERS_TOML: &str = include_str!("../seed/demo_users.toml");
const LEGAL_RULES_TOML: &str = include_str!("../seed/legal_rules.toml");

#[derive(Debug, Deserialize)]
pub struct RuleSeed {
    pub regime_code: String,
    pub regime_name: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub admission_type: String,
    pub min_age: i32,
    pub max_age: Option<i32>,
    pub first_term: Option<[i32; 2]>,
    pub repeat_term: Option<[i32; 2]>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    rule: Vec<RuleSeed>,
}

pub fn legal_rules() -> AppResult<Vec<RuleSeed>> {
    let f: RuleFile = toml::from_str(LEGAL_RULES_TOML)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("seed/legal_rules.toml: {e}")))?;
    Ok(f.rule)
}

/// Loads the legal rules when the table is empty (an administrator's later changes are
/// never overwritten).
async fn seed_legal_rules<C: ConnectionTrait>(conn: &C) -> AppResult<usize> {
    if legal_rule::Entity::find().one(conn).await?.is_some() {
        return Ok(0);
    }
    let rules = legal_rules()?;
    let n = rules.len();
    for r in rules {
        let row = legal_rule::ActiveModel {
            regime_code: Set(r.regime_code),
            regime_name: Set(r.regime_name),
            effective_from: Set(r.effective_from),
            effective_to: Set(r.effective_to),
            admission_type: Set(r.admission_type),
            min_age: Set(r.min_age),
            max_age: Set(r.max_age),
            first_term_min: Set(r.first_term.map(|t| t[0])),
            first_term_max: Set(r.first_term.map(|t| t[1])),
            repeat_term_min: Set(r.repeat_term.map(|t| t[0])),
            repeat_term_max: Set(r.repeat_term.map(|t| t[1])),
            source: Set(r.source),
            updated_at: Set(Utc::now()),
            updated_by: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        audit::record(
            conn,
            &Actor::system("seed"),
            "legal_rule.create",
            "legal_rule",
            row.id,
            json!({ "regime": row.regime_code, "type": row.admission_type }),
        )
        .await?;
    }
    Ok(n)
}

#[derive(Debug, Deserialize)]
pub struct CentreSeed {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub district: String,
    pub address: String,
    pub opened_on: NaiveDate,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    pub capacity_from: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct CentreFile {
    centre: Vec<CentreSeed>,
}

pub fn centres() -> AppResult<Vec<CentreSeed>> {
    let f: CentreFile = toml::from_str(CENTRES_TOML)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("seed/centres.toml: {e}")))?;
    Ok(f.centre)
}

/// Inserts the centres (and their first capacity figures) that are not there yet.
/// Returns how many were added.
pub async fn reference<C: ConnectionTrait>(conn: &C) -> AppResult<usize> {
    let actor = Actor::system("seed");
    let mut added = 0;
    for c in centres()? {
        let exists = centre::Entity::find()
            .filter(centre::COLUMN.code.eq(c.code.as_str()))
            .one(conn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let row = centre::ActiveModel {
            code: Set(c.code.clone()),
            name: Set(c.name.clone()),
            short_name: Set(c.short_name.clone()),
            district: Set(c.district.clone()),
            address: Set(c.address.clone()),
            opened_on: Set(c.opened_on),
            closed_on: Set(None),
            merged_into: Set(None),
            note: Set("Số liệu ban đầu khi cài đặt (phân chia minh họa)".into()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        centre_capacity::ActiveModel {
            centre_id: Set(row.id),
            effective_from: Set(c.capacity_from),
            design_scale: Set(c.design_scale),
            receiving_capacity: Set(c.receiving_capacity),
            reason: Set("Số liệu ban đầu khi cài đặt".into()),
            recorded_by: Set(None),
            recorded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        audit::record(
            conn,
            &actor,
            "centre.create",
            "centre",
            row.id,
            json!({ "code": c.code, "design_scale": c.design_scale, "receiving_capacity": c.receiving_capacity }),
        )
        .await?;
        added += 1;
    }
    seed_legal_rules(conn).await?;
    Ok(added)
}

#[derive(Debug, Deserialize, Clone)]
pub struct DemoUser {
    pub username: String,
    pub full_name: String,
    pub role: String,
}

#[derive(Debug, Deserialize)]
pub struct DemoUsers {
    pub password: String,
    #[serde(default)]
    pub residents_total: usize,
    pub centre_user: Vec<DemoUser>,
    pub department_user: Vec<DemoUser>,
}

pub fn demo_users() -> AppResult<DemoUsers> {
    toml::from_str(DEMO_USERS_TOML)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("seed/demo_users.toml: {e}")))
}

impl DemoUsers {
    pub fn for_instance(&self, kind: InstanceKind) -> &[DemoUser] {
        match kind {
            InstanceKind::Centre => &self.centre_user,
            InstanceKind::Department => &self.department_user,
        }
    }
}

/// Creates the demo accounts that do not exist yet (demo mode only). The password hash is
/// computed once and shared: the demo should start in a second, not in twenty.
pub async fn demo_accounts<C: ConnectionTrait>(conn: &C, kind: InstanceKind) -> AppResult<usize> {
    let demo = demo_users()?;
    let hash = crate::auth::password::hash(demo.password.clone())
        .await
        .map_err(AppError::from)?;
    let actor = Actor::system("demo");
    let mut added = 0;
    for u in demo.for_instance(kind) {
        let exists = app_user::Entity::find()
            .filter(app_user::COLUMN.username.eq(u.username.as_str()))
            .one(conn)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let role = Role::parse(&u.role)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("demo user role {}", u.role)))?;
        users::insert_with_hash(
            conn,
            &actor,
            kind,
            crate::i18n::Lang::Vi,
            NewUser {
                username: u.username.clone(),
                full_name: u.full_name.clone(),
                role,
            },
            hash.clone(),
        )
        .await?;
        added += 1;
    }
    Ok(added)
}
