//! A department reached over HTTPS on a private network: it serves TLS with a
//! certificate from a private CA; a centre configured with that CA delivers its
//! summaries; a centre that does not trust the CA delivers nothing and loses nothing.

use std::path::PathBuf;

use rehabops::audit::Actor;
use rehabops::entities::received_summary;
use rehabops::summary::schema::Period;
use rehabops::summary::{outbox, push, signing};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::TestApp;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

#[tokio::test]
async fn summaries_cross_tls_only_with_the_private_ca() {
    let centre = TestApp::centre().await;
    let dept = TestApp::department().await;
    let key = &centre.state.delivery.as_ref().unwrap().key;
    rehabops::department::keys::register(
        dept.db(),
        &Actor::system("test"),
        "CS01",
        &signing::public_key_b64(key),
    )
    .await
    .unwrap();
    let tls = rehabops::tls::server_config(&fixture("server.pem"), &fixture("server.key")).unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = rehabops::tls::TlsListener::new(tcp, tls).unwrap();
    let app = dept.router.clone();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    outbox::enqueue(
        centre.db(),
        key,
        &Actor::system("test"),
        "CS01",
        Period::of("on_demand", centre.state.today()),
        centre.state.today(),
    )
    .await
    .unwrap();
    let url = format!("https://{addr}");

    // Without the private CA the certificate is not trusted: nothing sent, nothing lost.
    let untrusting = push::client(None).unwrap();
    let r = push::flush(centre.db(), &untrusting, key, &url, "CS01")
        .await
        .unwrap();
    assert_eq!((r.delivered, r.pending), (0, 1));
    assert!(r.error.is_some());
    assert_eq!(
        received_summary::Entity::find()
            .count(dept.db())
            .await
            .unwrap(),
        0
    );

    // Plain HTTP to the TLS port is refused too.
    let plain = push::flush(
        centre.db(),
        &untrusting,
        key,
        &format!("http://{addr}"),
        "CS01",
    )
    .await
    .unwrap();
    assert_eq!(plain.delivered, 0);

    // With the CA configured (department_ca), the summary goes through.
    let trusting = push::client(Some(&fixture("ca.pem"))).unwrap();
    let r = push::flush(centre.db(), &trusting, key, &url, "CS01")
        .await
        .unwrap();
    assert_eq!((r.delivered, r.pending), (1, 0), "{:?}", r.error);
    assert_eq!(
        received_summary::Entity::find()
            .count(dept.db())
            .await
            .unwrap(),
        1
    );
    server.abort();
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused_at_start() {
    let err = rehabops::tls::server_config(&fixture("server.pem"), &fixture("ca.pem"))
        .err()
        .expect("a certificate is not a key");
    assert!(err.to_string().contains("private key"), "{err}");
    assert!(rehabops::tls::server_config(&fixture("missing.pem"), &fixture("server.key")).is_err());
}
