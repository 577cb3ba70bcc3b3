//! The residents list (page and API): filters, counting and paging happen in SQL —
//! residents joined to their active admission, one `COUNT` and one page of rows per
//! request, whatever the size of the register.

use chrono::NaiveDate;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, StatementBuilder};
use serde::{Deserialize, Serialize};

use super::rules;
use super::store::ACTIVE;
use crate::entities::{admission, resident};
use crate::error::{AppError, AppResult};
use crate::i18n::fold_for_search;

pub const PAGE_SIZE: u64 = 25;
/// Highest page number accepted: 25 million people is past any register, and the
/// offset must fit the database's integer.
pub const MAX_PAGE: u64 = 1_000_000;
/// `due_within` is bounded to a century either way, so the date arithmetic cannot fail.
const MAX_DUE_DAYS: i64 = 36_500;

/// Filters of the residents list. Empty values mean "not set" (see `web::Query`).
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ResidentQuery {
    /// Part of a name (diacritics and case ignored), part of a resident code, or a whole
    /// identity number.
    pub q: String,
    /// Include people without an active admission.
    pub all: bool,
    pub admission_type: String,
    pub sex: String,
    /// Zone name, as the zone list writes it.
    pub zone: String,
    /// Only under-18s.
    pub minors: bool,
    /// Only those due for release within this many days.
    pub due_within: Option<i64>,
    /// Page number from 1; past the last page the page is empty.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
}

impl ResidentQuery {
    /// The page asked for; 0 or a number past [`MAX_PAGE`] is a 400.
    pub fn page(&self) -> AppResult<u64> {
        match self.page {
            None => Ok(1),
            Some(p) if (1..=MAX_PAGE).contains(&p) => Ok(p),
            Some(_) => Err(AppError::BadRequest("error.bad_page")),
        }
    }

    fn filters_admission(&self) -> bool {
        !self.all
            || !self.admission_type.is_empty()
            || !self.zone.trim().is_empty()
            || self.due_within.is_some()
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ResidentRow {
    pub id: i32,
    pub code: String,
    pub full_name: String,
    /// Null for roles that see an age band only (need to know).
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<i32>,
    pub age_band: &'static str,
    pub sex: String,
    pub admission_id: Option<i32>,
    pub admission_type: Option<String>,
    pub admitted_on: Option<NaiveDate>,
    pub expected_end: Option<NaiveDate>,
    pub presence: Option<String>,
    pub zone: Option<String>,
}

#[derive(FromQueryResult)]
struct Fetched {
    id: i32,
    code: String,
    full_name: String,
    date_of_birth: NaiveDate,
    sex: String,
    admission_id: Option<i32>,
    admission_type: Option<String>,
    admitted_on: Option<NaiveDate>,
    expected_end: Option<NaiveDate>,
    presence: Option<String>,
    zone: Option<String>,
}

#[derive(FromQueryResult)]
struct Counted {
    n: i64,
}

fn r(c: resident::Column) -> Expr {
    Expr::col((resident::Entity, c))
}

fn a(c: admission::Column) -> Expr {
    Expr::col((admission::Entity, c))
}

/// What was typed, without LIKE's wildcards and escape character.
fn like_part(s: &str) -> String {
    s.replace(['%', '_', '\\'], "")
}

/// Who matches what was typed: part of the folded name, part of the code, or the whole
/// identity number. On SQLite the two partial matches are answered by the trigram FTS5
/// table (migration 15) and the three joined as one `id IN (…)`, so no term forces a
/// scan of every person; on PostgreSQL the `pg_trgm` indexes serve the `LIKE`s directly.
fn text_match(text: &str, backend: DbBackend) -> Option<Expr> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let name = format!("%{}%", like_part(&fold_for_search(text)));
    let upper = text.to_uppercase().replace(' ', "");
    let code = format!("%{}%", like_part(&upper));
    if backend != DbBackend::Sqlite {
        return Some(
            r(resident::Column::NameSearch)
                .like(name)
                .or(r(resident::Column::Code).like(code))
                .or(r(resident::Column::IdNumber).eq(upper)),
        );
    }
    let fts = |col: &str, pattern: String| {
        Query::select()
            .expr(Expr::col(Alias::new("rowid")))
            .from(Alias::new("resident_fts"))
            .and_where(Expr::col(Alias::new(col)).like(pattern))
            .to_owned()
    };
    let by_number = Query::select()
        .column(resident::Column::Id)
        .from(resident::Entity)
        .and_where(Expr::col(resident::Column::IdNumber).eq(upper))
        .to_owned();
    let mut any = fts("name_search", name);
    any.union(UnionType::Distinct, fts("code", code))
        .union(UnionType::Distinct, by_number);
    Some(r(resident::Column::Id).in_subquery(any))
}

/// `FROM resident LEFT JOIN admission (active) WHERE …` for the query's filters.
fn filtered(q: &ResidentQuery, today: NaiveDate, backend: DbBackend) -> SelectStatement {
    let mut s = Query::select();
    s.from(resident::Entity).join(
        JoinType::LeftJoin,
        admission::Entity,
        a(admission::Column::ResidentId)
            .equals((resident::Entity, resident::Column::Id))
            .and(a(admission::Column::Status).eq(ACTIVE)),
    );
    if let Some(m) = text_match(&q.q, backend) {
        s.and_where(m);
    }
    if q.filters_admission() {
        s.and_where(a(admission::Column::Id).is_not_null());
    }
    if !q.admission_type.is_empty() {
        s.and_where(a(admission::Column::AdmissionType).eq(q.admission_type.clone()));
    }
    if !q.zone.trim().is_empty() {
        s.and_where(a(admission::Column::Zone).eq(q.zone.trim()));
    }
    if let Some(n) = q.due_within {
        let last = today + chrono::Duration::days(n.clamp(-MAX_DUE_DAYS, MAX_DUE_DAYS));
        s.and_where(a(admission::Column::ExpectedEnd).lte(last));
    }
    if !q.sex.is_empty() {
        s.and_where(r(resident::Column::Sex).eq(q.sex.clone()));
    }
    if q.minors {
        let cutoff = today
            .checked_sub_months(chrono::Months::new(18 * 12))
            .unwrap_or(today);
        s.and_where(r(resident::Column::DateOfBirth).gt(cutoff));
    }
    s
}

async fn count<C: ConnectionTrait>(conn: &C, base: &SelectStatement) -> AppResult<u64> {
    let mut s = base.clone();
    s.expr_as(Func::count(r(resident::Column::Id)), "n");
    let n = Counted::find_by_statement(built(&s, conn))
        .one(conn)
        .await?
        .map_or(0, |c| c.n);
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn page_rows<C: ConnectionTrait>(
    conn: &C,
    base: &SelectStatement,
    page: u64,
) -> AppResult<Vec<Fetched>> {
    use admission::Column as A;
    use resident::Column as R;
    let mut s = base.clone();
    s.columns([
        (resident::Entity, R::Id),
        (resident::Entity, R::Code),
        (resident::Entity, R::FullName),
        (resident::Entity, R::DateOfBirth),
        (resident::Entity, R::Sex),
    ])
    .expr_as(a(A::Id), "admission_id")
    .columns([
        (admission::Entity, A::AdmissionType),
        (admission::Entity, A::AdmittedOn),
        (admission::Entity, A::ExpectedEnd),
        (admission::Entity, A::Presence),
        (admission::Entity, A::Zone),
    ])
    .order_by((resident::Entity, R::NameSearch), Order::Asc)
    .order_by((resident::Entity, R::Id), Order::Asc)
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE);
    Ok(Fetched::find_by_statement(built(&s, conn))
        .all(conn)
        .await?)
}

/// The statement in the connection's dialect.
fn built<C: ConnectionTrait>(s: &SelectStatement, conn: &C) -> sea_orm::Statement {
    StatementBuilder::build(s, &conn.get_database_backend())
}

/// Residents matching the query with their active admission: the page asked for (empty
/// past the last) and the number matching. Two queries.
pub async fn search<C: ConnectionTrait>(
    conn: &C,
    q: &ResidentQuery,
    today: NaiveDate,
) -> AppResult<(Vec<ResidentRow>, u64)> {
    let page = q.page()?;
    let base = filtered(q, today, conn.get_database_backend());
    let total = count(conn, &base).await?;
    if (page - 1) * PAGE_SIZE >= total {
        return Ok((Vec::new(), total));
    }
    let rows = page_rows(conn, &base, page)
        .await?
        .into_iter()
        .map(|f| ResidentRow {
            age: Some(rules::age_on(f.date_of_birth, today)),
            age_band: crate::need_to_know::age_band(rules::age_on(f.date_of_birth, today)),
            id: f.id,
            code: f.code,
            full_name: f.full_name,
            date_of_birth: Some(f.date_of_birth),
            sex: f.sex,
            admission_id: f.admission_id,
            admission_type: f.admission_type,
            admitted_on: f.admitted_on,
            expected_end: f.expected_end,
            presence: f.presence,
            zone: f.zone,
        })
        .collect();
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(q: &ResidentQuery) -> String {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        StatementBuilder::build(&filtered(q, today, DbBackend::Sqlite), &DbBackend::Sqlite)
            .to_string()
    }

    #[test]
    fn page_zero_and_huge_pages_are_refused() {
        let q = |p| ResidentQuery {
            page: Some(p),
            ..Default::default()
        };
        assert!(q(0).page().is_err());
        assert!(q(MAX_PAGE + 1).page().is_err());
        assert_eq!(q(3).page().ok(), Some(3));
        assert_eq!(ResidentQuery::default().page().ok(), Some(1));
    }

    #[test]
    fn typed_wildcards_are_not_wildcards() {
        let s = sql(&ResidentQuery {
            q: "a%_b".into(),
            ..Default::default()
        });
        assert!(s.contains("'%ab%'"), "{s}");
        assert!(s.contains("'%AB%'"), "{s}");
    }

    #[test]
    fn everyone_drops_the_active_admission_condition_only_without_admission_filters() {
        let all = ResidentQuery {
            all: true,
            ..Default::default()
        };
        assert!(!sql(&all).contains("IS NOT NULL"));
        let zoned = ResidentQuery {
            all: true,
            zone: "Khu A".into(),
            ..Default::default()
        };
        assert!(sql(&zoned).contains("IS NOT NULL"));
    }

    #[test]
    fn text_is_matched_through_the_trigram_index_on_sqlite_and_like_on_postgres() {
        let q = ResidentQuery {
            q: "Nguyễn Văn".into(),
            ..Default::default()
        };
        let s = sql(&q);
        assert!(
            s.contains(r#"FROM "resident_fts" WHERE "name_search" LIKE '%nguyen van%'"#),
            "{s}"
        );
        assert!(s.contains(r#""code" LIKE '%NGUYỄNVĂN%'"#), "{s}");
        assert!(!s.contains(r#""resident"."name_search" LIKE"#), "{s}");
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        let pg = StatementBuilder::build(
            &filtered(&q, today, DbBackend::Postgres),
            &DbBackend::Postgres,
        )
        .to_string();
        assert!(
            pg.contains(r#""resident"."name_search" LIKE '%nguyen van%'"#),
            "{pg}"
        );
        assert!(!pg.contains("resident_fts"), "{pg}");
    }

    #[test]
    fn an_absurd_due_within_is_bounded() {
        let s = sql(&ResidentQuery {
            due_within: Some(i64::MAX),
            ..Default::default()
        });
        assert!(s.contains("2126-"), "{s}");
    }
}
