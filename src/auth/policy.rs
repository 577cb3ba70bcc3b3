//! Route access, in one place and deny by default: every route is registered together
//! with the access it requires; a route the policy does not know is refused.

use std::collections::HashMap;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

use super::roles::{Permission, Role, role_has};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, health checks, assets).
    Public,
    /// Any signed-in user of this instance.
    Authenticated,
    /// A signed-in user whose role holds the permission.
    Perm(Permission),
}

impl Access {
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (Access::Authenticated, Some(_)) => true,
            (Access::Perm(p), Some(r)) => role_has(r, p),
            (_, None) => false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RouteRule {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The access table built from every area's routes.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    rules: HashMap<(Method, &'static str), Access>,
    ordered: Vec<RouteRule>,
}

impl Policy {
    pub fn lookup(&self, method: &Method, path: &str) -> Option<Access> {
        // HEAD is answered by GET routes.
        let m = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.rules.get(&(m.clone(), path)).copied()
    }

    /// Whether `role` may `GET path` (used to build navigation).
    pub fn allows_get(&self, role: Option<Role>, path: &str) -> bool {
        self.lookup(&Method::GET, path)
            .is_some_and(|a| a.allows(role))
    }

    /// Whether some method of this route pattern has a rule.
    pub fn has_path(&self, path: &str) -> bool {
        self.ordered.iter().any(|r| r.path == path)
    }

    pub fn rules(&self) -> &[RouteRule] {
        &self.ordered
    }

    fn add(&mut self, rule: RouteRule) {
        self.rules
            .insert((rule.method.clone(), rule.path), rule.access);
        self.ordered.push(rule);
    }

    pub fn merge(&mut self, other: Policy) {
        for r in other.ordered {
            self.add(r);
        }
    }
}

/// A router that cannot gain a route without also gaining its access rule.
pub struct Routes<S> {
    router: Router<S>,
    policy: Policy,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            policy: Policy::default(),
        }
    }

    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.method(path, Method::GET, access, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.method(path, Method::POST, access, post(handler))
    }

    fn method(
        mut self,
        path: &'static str,
        method: Method,
        access: Access,
        mr: MethodRouter<S>,
    ) -> Self {
        self.policy.add(RouteRule {
            method,
            path,
            access,
        });
        self.router = self.router.route(path, mr);
        self
    }

    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.policy.merge(other.policy);
        self
    }

    pub fn into_parts(self) -> (Router<S>, Policy) {
        (self.router, self.policy)
    }
}
