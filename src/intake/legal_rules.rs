//! The legal rules as data an administrator can correct (ages and terms per admission
//! type and regime), every change audited with its before and after.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde::Deserialize;
use serde_json::json;

use crate::audit;
use crate::db;
use crate::entities::legal_rule;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::format_date;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct RuleForm {
    pub min_age: String,
    pub max_age: String,
    pub first_term_min: String,
    pub first_term_max: String,
    pub repeat_term_min: String,
    pub repeat_term_max: String,
    pub source: String,
}

/// The parsed values of a rule form.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleValues {
    pub min_age: i32,
    pub max_age: Option<i32>,
    pub first_term: Option<(i32, i32)>,
    pub repeat_term: Option<(i32, i32)>,
    pub source: String,
}

fn opt_int(
    e: &mut FieldErrors,
    field: &'static str,
    v: &str,
    range: std::ops::RangeInclusive<i32>,
) -> Option<i32> {
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            e.add(
                field,
                crate::error::Msg::new("error.number_range")
                    .arg("min", range.start())
                    .arg("max", range.end()),
            );
            None
        }
    }
}

/// Checks a rule form; pure.
pub fn validate(f: &RuleForm) -> Result<RuleValues, FieldErrors> {
    let mut e = FieldErrors::new();
    let min_age = opt_int(&mut e, "min_age", &f.min_age, 12..=100);
    if min_age.is_none() && !e.has("min_age") {
        e.add("min_age", "error.required");
    }
    let max_age = opt_int(&mut e, "max_age", &f.max_age, 13..=120);
    let pair = |e: &mut FieldErrors, lo_f: &'static str, lo: &str, hi_f: &'static str, hi: &str| {
        let a = opt_int(e, lo_f, lo, 1..=60);
        let b = opt_int(e, hi_f, hi, 1..=60);
        match (a, b) {
            (Some(a), Some(b)) if a <= b => Some((a, b)),
            (Some(_), Some(_)) => {
                e.add(hi_f, "error.max_below_min");
                None
            }
            (None, None) => None,
            _ => {
                e.add(hi_f, "error.term_pair");
                None
            }
        }
    };
    let first_term = pair(
        &mut e,
        "first_term_min",
        &f.first_term_min,
        "first_term_max",
        &f.first_term_max,
    );
    let repeat_term = pair(
        &mut e,
        "repeat_term_min",
        &f.repeat_term_min,
        "repeat_term_max",
        &f.repeat_term_max,
    );
    if let (Some(a), Some(b)) = (min_age, max_age) {
        if b <= a {
            e.add("max_age", "error.max_below_min");
        }
    }
    if f.source.trim().is_empty() {
        e.add("source", "error.required");
    }
    match (e.is_empty(), min_age) {
        (true, Some(min_age)) => Ok(RuleValues {
            min_age,
            max_age,
            first_term,
            repeat_term,
            source: f.source.trim().to_owned(),
        }),
        _ => Err(e),
    }
}

pub struct RuleRow {
    pub rule: legal_rule::Model,
    pub from: String,
    pub to: String,
    pub type_key: String,
    pub form: RuleForm,
}

impl RuleRow {
    fn range(lo: Option<i32>, hi: Option<i32>) -> String {
        match (lo, hi) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "—".into(),
        }
    }
    pub fn first(&self) -> String {
        Self::range(self.rule.first_term_min, self.rule.first_term_max)
    }
    pub fn repeat(&self) -> String {
        Self::range(self.rule.repeat_term_min, self.rule.repeat_term_max)
    }
    /// (field, label key, value) of the edit form.
    pub fn fields(&self) -> Vec<(&'static str, &'static str, String)> {
        let f = &self.form;
        vec![
            ("min_age", "rules.min_age", f.min_age.clone()),
            ("max_age", "rules.max_age", f.max_age.clone()),
            (
                "first_term_min",
                "rules.first_min",
                f.first_term_min.clone(),
            ),
            (
                "first_term_max",
                "rules.first_max",
                f.first_term_max.clone(),
            ),
            (
                "repeat_term_min",
                "rules.repeat_min",
                f.repeat_term_min.clone(),
            ),
            (
                "repeat_term_max",
                "rules.repeat_max",
                f.repeat_term_max.clone(),
            ),
            ("source", "rules.source", f.source.clone()),
        ]
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/legal_rules.html")]
pub struct RulesPage {
    pub ctx: PageCtx,
    pub rows: Vec<RuleRow>,
    pub editing: Option<i32>,
    pub errors: FieldErrors,
}

impl RulesPage {
    pub fn is_editing<T: std::borrow::Borrow<i32>>(&self, id: T) -> bool {
        self.editing == Some(*id.borrow())
    }
}

fn form_of(r: &legal_rule::Model) -> RuleForm {
    let s = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    RuleForm {
        min_age: r.min_age.to_string(),
        max_age: s(r.max_age),
        first_term_min: s(r.first_term_min),
        first_term_max: s(r.first_term_max),
        repeat_term_min: s(r.repeat_term_min),
        repeat_term_max: s(r.repeat_term_max),
        source: r.source.clone(),
    }
}

async fn page(
    st: &AppState,
    ctx: PageCtx,
    editing: Option<(i32, RuleForm)>,
    errors: FieldErrors,
) -> AppResult<RulesPage> {
    let rules = legal_rule::Entity::find()
        .order_by_asc(legal_rule::COLUMN.effective_from)
        .order_by_asc(legal_rule::COLUMN.id)
        .all(&st.db)
        .await?;
    let rows = rules
        .into_iter()
        .map(|r| RuleRow {
            from: format_date(r.effective_from),
            to: r.effective_to.map(format_date).unwrap_or_default(),
            type_key: format!("admission_type.{}", r.admission_type),
            form: match &editing {
                Some((id, f)) if *id == r.id => f.clone(),
                _ => form_of(&r),
            },
            rule: r,
        })
        .collect();
    Ok(RulesPage {
        ctx,
        rows,
        editing: editing.map(|(id, _)| id),
        errors,
    })
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<RulesPage> {
    page(&st, ctx, None, FieldErrors::new()).await
}

pub async fn update(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<RuleForm>,
) -> AppResult<Response> {
    let values = match validate(&f) {
        Ok(v) => v,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&st, ctx, Some((id, f)), errors).await?,
            )
                .into_response());
        }
    };
    let txn = db::begin_write(&st.db).await?;
    let r = legal_rule::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = json!({ "min_age": r.min_age, "max_age": r.max_age, "first_term": [r.first_term_min, r.first_term_max], "repeat_term": [r.repeat_term_min, r.repeat_term_max], "source": r.source });
    let mut am = r.into_active_model();
    am.min_age = Set(values.min_age);
    am.max_age = Set(values.max_age);
    am.first_term_min = Set(values.first_term.map(|t| t.0));
    am.first_term_max = Set(values.first_term.map(|t| t.1));
    am.repeat_term_min = Set(values.repeat_term.map(|t| t.0));
    am.repeat_term_max = Set(values.repeat_term.map(|t| t.1));
    am.source = Set(values.source.clone());
    am.updated_at = Set(Utc::now());
    am.updated_by = Set(ctx.actor().user_id);
    let r = am.update(&txn).await?;
    let after = json!({ "min_age": r.min_age, "max_age": r.max_age, "first_term": [r.first_term_min, r.first_term_max], "repeat_term": [r.repeat_term_min, r.repeat_term_max], "source": r.source });
    audit::record(&txn, &ctx.actor(), "legal_rule.update", "legal_rule", id, json!({ "regime": r.regime_code, "type": r.admission_type, "before": before, "after": after })).await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/legal-rules?ok=rule_updated").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_forms() {
        let ok = RuleForm {
            min_age: "18".into(),
            first_term_min: "24".into(),
            first_term_max: "24".into(),
            repeat_term_min: "36".into(),
            repeat_term_max: "36".into(),
            source: "Luật 120/2025".into(),
            ..Default::default()
        };
        assert_eq!(validate(&ok).unwrap().repeat_term, Some((36, 36)));
        let bad = RuleForm {
            min_age: "10".into(),
            first_term_min: "24".into(),
            first_term_max: "12".into(),
            repeat_term_min: "6".into(),
            ..Default::default()
        };
        let e = validate(&bad).unwrap_err();
        assert_eq!(e.key("min_age"), Some("error.number_range"));
        assert_eq!(e.key("first_term_max"), Some("error.max_below_min"));
        assert_eq!(e.key("repeat_term_max"), Some("error.term_pair"));
        assert_eq!(e.key("source"), Some("error.required"));
    }
}
