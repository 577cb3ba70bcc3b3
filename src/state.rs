//! Shared application state handed to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Policy;
use crate::config::{Config, InstanceKind};
use crate::entities::centre;
use crate::web::NavItem;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub cfg: Arc<Config>,
    pub instance: Arc<Instance>,
    pub policy: Arc<Policy>,
    pub nav: Arc<Vec<NavItem>>,
    /// Centre instances: the signing key and sender of occupancy summaries.
    pub delivery: Option<Arc<crate::summary::Delivery>>,
}

impl AppState {
    /// Today's date in Hanoi (or the fixed date tests set).
    pub fn today(&self) -> chrono::NaiveDate {
        self.cfg
            .fixed_today
            .unwrap_or_else(crate::i18n::today_hanoi)
    }

    /// The code of the centre this instance runs; not found on the department.
    pub fn centre_code(&self) -> crate::error::AppResult<String> {
        self.instance
            .centre
            .as_ref()
            .map(|c| c.code.clone())
            .ok_or(crate::error::AppError::NotFound)
    }
}

/// Who this instance is.
#[derive(Clone, Debug)]
pub struct Instance {
    pub kind: InstanceKind,
    /// The centre this instance runs (centre instances only).
    pub centre: Option<centre::Model>,
    pub demo: bool,
    pub cookies: CookieNames,
    /// Centre instances: the summary signing key and sender.
    pub delivery: Option<Arc<crate::summary::Delivery>>,
}

/// Cookie names carry the instance so that several instances on one host (the demo)
/// do not overwrite each other's sessions: browsers share cookies across ports.
#[derive(Clone, Debug)]
pub struct CookieNames {
    pub session: String,
    pub csrf: String,
}

impl CookieNames {
    pub fn for_slug(slug: &str) -> CookieNames {
        CookieNames {
            session: format!("rehabops_sid_{slug}"),
            csrf: format!("rehabops_csrf_{slug}"),
        }
    }
}

/// The language cookie is shared by all instances on a host: one person, one choice.
pub const LANG_COOKIE: &str = "rehabops_lang";
