//! Every route against every role: the access matrix is the policy table, and each
//! route answers accordingly. Denied requests must never reach a handler.

use axum::http::{Method, StatusCode};
use rehabops::auth::{Access, Role};
use rehabops::config::InstanceKind;

use crate::helpers::TestApp;

async fn check_instance(kind: InstanceKind) {
    let app = TestApp::spawn(kind).await;
    let rules = app.state.policy.rules().to_vec();
    assert!(rules.len() >= 15, "policy has {} rules", rules.len());
    let roles: Vec<Option<Role>> = std::iter::once(None)
        .chain(Role::for_instance(kind).map(Some))
        .collect();
    let mut checked = 0;
    for role in &roles {
        let mut c = match role {
            Some(r) => app.login_as(*r).await,
            None => app.client(),
        };
        for rule in &rules {
            let path = rule.path.replace("{id}", "1");
            let allowed = rule.access.allows(*role);
            if rule.method == Method::GET {
                let r = c.get(&path).await;
                if allowed {
                    let to_login = r.location().is_some_and(|l| l.starts_with("/login"));
                    assert!(
                        !matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED)
                            && !(to_login && rule.access != Access::Public),
                        "{role:?} should reach GET {path}, got {} {:?}",
                        r.status,
                        r.location()
                    );
                } else {
                    expect_denied(*role, &path, &r);
                }
                checked += 1;
            } else if !allowed && rule.path != "/logout" {
                let r = c.post_form(&path, &[]).await;
                expect_denied(*role, &path, &r);
                checked += 1;
            }
        }
    }
    assert!(
        checked >= rules.len() * 2,
        "only {checked} route × role checks"
    );
}

fn expect_denied(role: Option<Role>, path: &str, r: &crate::helpers::Resp) {
    match role {
        Some(_) => assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{role:?} must be refused {path}: {}",
            r.body
        ),
        None if path.starts_with("/api/") => {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "anonymous {path}")
        }
        None => {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous {path}");
            assert!(
                r.location().unwrap_or_default().starts_with("/login"),
                "anonymous {path} → login"
            );
        }
    }
}

#[tokio::test]
async fn every_route_against_every_role_on_a_centre() {
    check_instance(InstanceKind::Centre).await;
}

#[tokio::test]
async fn every_route_against_every_role_on_the_department() {
    check_instance(InstanceKind::Department).await;
}

#[tokio::test]
async fn a_nurse_cannot_manage_accounts() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::Nurse).await;
    let r = c.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Không có quyền truy cập");
    // …and the menu does not offer it.
    let home = c.get("/").await;
    assert!(!home.body.contains(r#"href="/admin/users""#));
}

#[tokio::test]
async fn the_department_has_no_centre_roles() {
    let app = TestApp::department().await;
    let mut admin = app.login_as(Role::Administrator).await;
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "doc1"),
                ("full_name", "Bác sĩ"),
                ("role", "doctor"),
                ("password", "long enough pw"),
                ("password_confirm", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Vai trò này không có ở đơn vị này.");
    let mut monitor = app.login_as(Role::DepartmentMonitor).await;
    let home = monitor.get("/").await;
    home.assert_contains("7.650");
    home.assert_contains("3.624");
}

#[tokio::test]
async fn every_menu_link_is_a_route() {
    for kind in [InstanceKind::Centre, InstanceKind::Department] {
        let app = TestApp::spawn(kind).await;
        for item in app.state.nav.iter() {
            assert!(
                app.state.policy.lookup(&Method::GET, item.href).is_some(),
                "{kind:?}: menu link {} has no route",
                item.href
            );
        }
    }
}

/// A method a route does not take is a 405 naming the ones it does (never a 403, 404 or
/// an error in the log), signed in or not.
async fn unsupported_methods_are_405(kind: InstanceKind) {
    let app = TestApp::spawn(kind).await;
    let rules = app.state.policy.rules().to_vec();
    let someone = Role::for_instance(kind).next().expect("a role");
    for mut c in [app.client(), app.login_as(someone).await] {
        for rule in &rules {
            let path = rule.path.replace("{id}", "1").replace("{code}", "CS01");
            let takes = |m: &Method| rules.iter().any(|r| r.path == rule.path && r.method == *m);
            for m in [
                Method::PUT,
                Method::DELETE,
                Method::PATCH,
                Method::GET,
                Method::POST,
            ] {
                if takes(&m) {
                    continue;
                }
                let r = c.call(m.clone(), &path).await;
                assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{m} {path}");
                assert!(r.headers.contains_key("allow"), "{m} {path}: Allow header");
            }
        }
    }
}

#[tokio::test]
async fn unsupported_methods_are_405_on_a_centre() {
    unsupported_methods_are_405(InstanceKind::Centre).await;
}

#[tokio::test]
async fn unsupported_methods_are_405_on_the_department() {
    unsupported_methods_are_405(InstanceKind::Department).await;
}
