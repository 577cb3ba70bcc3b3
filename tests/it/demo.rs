//! `rehabops demo` boots the department and the seven centres; each answers /healthz.

use rehabops::config::InstanceKind;

#[tokio::test]
async fn demo_boots_eight_instances_that_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = rehabops::demo::start(dir.path(), None)
        .await
        .expect("demo starts");
    assert_eq!(handle.instances.len(), 8);
    assert_eq!(
        handle
            .instances
            .iter()
            .filter(|i| i.kind == InstanceKind::Centre)
            .count(),
        7
    );
    let client = reqwest::Client::new();
    for i in &handle.instances {
        let r = client
            .get(format!("http://{}/healthz", i.addr))
            .send()
            .await
            .expect("healthz");
        assert_eq!(r.status(), 200, "{}", i.label);
        let r = client
            .get(format!("http://{}/readyz", i.addr))
            .send()
            .await
            .expect("readyz");
        assert_eq!(r.status(), 200, "{}", i.label);
    }
    let banner = handle.banner();
    assert!(
        banner.contains("demo-rehabops")
            && banner.contains("director")
            && banner.contains("monitor")
    );
    // Sign in on a centre with a printed demo account.
    let centre = &handle.instances[1];
    let jar_client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = jar_client
        .get(format!("http://{}/login", centre.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = login
        .split(r#"name="_csrf" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = jar_client
        .post(format!("http://{}/login", centre.addr))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "intake"),
            ("password", "demo-rehabops"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    handle.stop().await;

    // Reused on a later run: same files, no duplicate seed, still starts.
    let again = rehabops::demo::start(dir.path(), None)
        .await
        .expect("demo restarts");
    again.stop().await;
}
