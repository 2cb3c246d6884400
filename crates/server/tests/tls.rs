//! HTTPS served directly (issue 9, item 13): the real server on loopback with a certificate
//! from files, a real rustls client that trusts only that certificate.

use fengqiao_server::{AppState, Settings};
use fengqiao_store::testing::TestDb;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tls").join(name)
}

async fn start(db: &TestDb, settings: Settings) -> anyhow::Result<SocketAddr> {
    let state = AppState::with_app(fengqiao_app::App::new(db.store.clone(), settings));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(fengqiao_server::serve(state, "127.0.0.1:0".parse().unwrap(), move |a| {
        let _ = tx.send(a);
    }));
    match rx.await {
        Ok(addr) => Ok(addr),
        Err(_) => Err(server.await.unwrap().expect_err("the server stopped without an error")),
    }
}

fn client() -> tokio_rustls::TlsConnector {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(file("cert.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// One HTTP/1.1 request over TLS; the whole response as text.
async fn https_get(addr: SocketAddr, path: &str) -> String {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = client().connect(name, tcp).await.expect("the handshake succeeds");
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    tls.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn https_from_certificate_files() {
    let db = TestDb::sqlite().await;
    let settings =
        Settings { tls_cert_file: Some(file("cert.pem")), tls_key_file: Some(file("key.pem")), ..Settings::default() };
    let addr = start(&db, settings).await.unwrap();
    // A client that connects and says nothing holds up nobody.
    // (With handshakes done in turn, the next request would wait out its 10 s timeout.)
    let _silent = TcpStream::connect(addr).await.unwrap();
    let r = tokio::time::timeout(fengqiao_server::tls::HANDSHAKE_TIMEOUT / 2, https_get(addr, "/healthz"))
        .await
        .expect("served while another client is silent");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    // Served over TLS: browsers are told to keep to HTTPS, and cookies are Secure.
    let lower = r.to_ascii_lowercase();
    assert!(lower.contains("strict-transport-security: max-age="), "{r}");
    let login = https_get(addr, "/login").await;
    let cookie = login.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Plain HTTP on the TLS port gets no page.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    let _ = plain.read_to_end(&mut out).await;
    assert!(!String::from_utf8_lossy(&out).contains("200 OK"));
    // A client that does not trust the certificate refuses it (it is not a public one).
    let other = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    assert!(tokio_rustls::TlsConnector::from(Arc::new(other)).connect(name, tcp).await.is_err());
    db.finish().await;
}

#[tokio::test]
async fn a_bad_certificate_setting_stops_the_start_and_says_why() {
    let db = TestDb::sqlite().await;
    let only_cert = Settings { tls_cert_file: Some(file("cert.pem")), ..Settings::default() };
    let e = start(&db, only_cert).await.unwrap_err().to_string();
    assert!(e.contains("tls_cert_file and tls_key_file go together"), "{e}");
    let missing =
        Settings { tls_cert_file: Some(file("nope.pem")), tls_key_file: Some(file("key.pem")), ..Settings::default() };
    let e = start(&db, missing).await.unwrap_err().to_string();
    assert!(e.contains("tls_cert_file") && e.contains("nope.pem"), "{e}");
    // The key file given as the certificate: no certificate in it.
    let swapped =
        Settings { tls_cert_file: Some(file("key.pem")), tls_key_file: Some(file("key.pem")), ..Settings::default() };
    let e = start(&db, swapped).await.unwrap_err().to_string();
    assert!(e.contains("no certificate"), "{e}");
    db.finish().await;
}
