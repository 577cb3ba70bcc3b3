//! The home page: what each role needs first when they sign in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

use crate::admin::audit_view::AuditRow;
use crate::auth::{Access, Permission, Routes, role_has};
use crate::centres::capacity::{self, CentreFigures, Totals};
use crate::entities::{app_user, audit_log};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{NavItem, PageCtx};

pub fn routes() -> Routes<AppState> {
    Routes::new().get("/", Access::Public, home)
}

pub const NAV: &[NavItem] = &[NavItem {
    href: "/",
    key: "nav.home",
}];

#[derive(Default, sea_orm::FromQueryResult)]
pub struct AccountStats {
    pub active: i64,
    pub inactive: i64,
    pub locked: i64,
}

/// The administrator's account figures, counted in one statement (not every account
/// read to count them).
async fn account_stats(db: &sea_orm::DatabaseConnection) -> AppResult<AccountStats> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
    let count_if = |cond: Expr| {
        let case = sea_orm::sea_query::CaseStatement::new()
            .case(cond, 1)
            .finally(0);
        let case: Expr = case.into();
        let sum: Expr = Func::sum(case).into();
        Func::coalesce([sum, Expr::val(0)])
    };
    let active = Expr::col(app_user::Column::Active);
    let mut q = Query::select();
    q.from(app_user::Entity)
        .expr_as(count_if(active.clone().eq(true)), "active")
        .expr_as(count_if(active.eq(false)), "inactive")
        .expr_as(
            count_if(Expr::col(app_user::Column::LockedUntil).gt(chrono::Utc::now())),
            "locked",
        );
    let stmt = sea_orm::StatementBuilder::build(&q, &db.get_database_backend());
    Ok(AccountStats::find_by_statement(stmt)
        .one(db)
        .await?
        .unwrap_or(AccountStats {
            active: 0,
            inactive: 0,
            locked: 0,
        }))
}

#[derive(Template, WebTemplate)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub today: String,
    /// This centre's figures (centre instances).
    pub own: Option<CentreFigures>,
    /// Residents under management and beds in service (centre instances).
    pub occupancy: Option<(i64, i64)>,
    /// Every open centre (department instance).
    pub centres: Vec<CentreFigures>,
    pub totals: Totals,
    pub recent: Vec<AuditRow>,
    pub accounts: Option<AccountStats>,
    /// Links to the areas this role may open, other than home.
    pub shortcuts: Vec<NavItem>,
    /// Intake warnings (intake desk and director), the most urgent first.
    pub warnings: Vec<WarningLine>,
    /// How many warnings there are in all (only the first ones are listed).
    pub warning_count: usize,
    /// "This quarter's reduction review is due" (intake desk and director).
    pub reduction_review_due: Option<String>,
    /// The sessions the user leads today (staff who take attendance).
    pub sessions: Vec<crate::schedule::calendar::Entry>,
}

/// Warnings listed on the home page; the rest are behind the release calendar.
const WARNINGS_SHOWN: usize = 15;

impl HomePage {
    /// Occupancy as a share of receiving capacity, and whether it is over 90% (a warning,
    /// domain.md §10) or over 100%.
    pub fn load(&self) -> Option<(String, &'static str)> {
        let (residents, _) = self.occupancy?;
        let cap = i64::from(self.own.as_ref()?.receiving_capacity);
        if cap <= 0 {
            return None;
        }
        let pct = residents as f64 * 100.0 / cap as f64;
        let level = if pct > 100.0 {
            "over"
        } else if pct > 90.0 {
            "near"
        } else {
            "ok"
        };
        Some((self.ctx.cat.percent(pct), level))
    }
}

/// One warning of the intake desk, ready to show.
pub struct WarningLine {
    pub resident_id: i32,
    pub name: String,
    pub code: String,
    pub text: String,
}

async fn home(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let Some(user) = ctx.user.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let today = st.today();
    let own = match &st.instance.centre {
        Some(c) => capacity::for_centre_on(&st.db, &c.code, today).await?,
        None => None,
    };
    let occupancy =
        if st.instance.centre.is_some() && role_has(user.role, Permission::ViewOccupancy) {
            let now = crate::beds::history::now(&st.db).await?;
            let (residents, beds) = (now.occupancy, now.working_beds);
            Some((residents, beds))
        } else {
            None
        };
    let centres = if st.instance.centre.is_none() {
        capacity::open_centres_on(&st.db, today).await?
    } else {
        Vec::new()
    };
    let totals = Totals::of(&centres);
    let recent = if role_has(user.role, Permission::ViewAudit) {
        audit_log::Entity::find()
            .order_by_desc(audit_log::COLUMN.id)
            .limit(10)
            .all(&st.db)
            .await?
            .into_iter()
            .map(|e| AuditRow::new(ctx.cat, Some(user.role), e))
            .collect()
    } else {
        Vec::new()
    };
    let accounts = if role_has(user.role, Permission::ManageUsers) {
        Some(account_stats(&st.db).await?)
    } else {
        None
    };
    let shortcuts = ctx.nav.iter().filter(|n| n.href != "/").cloned().collect();
    let home_warnings =
        if st.instance.centre.is_some() && role_has(user.role, Permission::ManageAdmissions) {
            crate::intake::warnings::for_home(&st.db, today, WARNINGS_SHOWN).await?
        } else {
            crate::intake::warnings::HomeWarnings {
                shown: Vec::new(),
                total: 0,
                reduction_candidates: 0,
            }
        };
    // The quarterly reduction review is due while residents qualify and this quarter's
    // list has not been prepared.
    let reduction_candidates = home_warnings.reduction_candidates;
    let reduction_review_due = if reduction_candidates > 0 {
        let quarter = crate::intake::reductions::quarter_of(today);
        crate::intake::reductions::review_of(&st.db, &quarter)
            .await?
            .is_none()
            .then(|| {
                ctx.cat.t2(
                    "warning.reduction_review_due",
                    "quarter",
                    &quarter,
                    "n",
                    reduction_candidates,
                )
            })
    } else {
        None
    };
    let sessions =
        if st.instance.centre.is_some() && role_has(user.role, Permission::RecordAttendance) {
            let filter = crate::schedule::calendar::Filter::Staff(user.id);
            crate::schedule::calendar::day(&st.db, &filter, today).await?
        } else {
            Vec::new()
        };
    let warning_count = home_warnings.total;
    let warnings = home_warnings
        .shown
        .into_iter()
        .map(|w| {
            let (key, n) = w.message();
            WarningLine {
                resident_id: w.resident.id,
                name: w.resident.full_name.clone(),
                code: w.resident.code.clone(),
                text: ctx.cat.t1(key, "n", n),
            }
        })
        .collect();
    Ok(HomePage {
        today: ctx.cat.date(today),
        ctx,
        own,
        occupancy,
        centres,
        totals,
        recent,
        accounts,
        shortcuts,
        warnings,
        warning_count,
        reduction_review_due,
        sessions,
    }
    .into_response())
}
