//! Authentication and authorisation plumbing: roles and the permission matrix, the route
//! policy, passwords, sessions and API tokens, and the request middleware. Knows nothing
//! of the areas.

pub mod middleware;
pub mod password;
pub mod policy;
pub mod roles;
pub mod session;

pub use policy::{Access, Policy, RouteRule, Routes};
pub use roles::{Permission, Role, role_has};
pub use session::{AuthVia, CurrentUser};
