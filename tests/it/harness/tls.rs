//! An HTTPS server with a certificate from a CA made at test time (rcgen), for the TLS cases:
//! a client without that CA must refuse it; a client given the CA file must accept it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

/// A test CA and a server certificate it signed for `127.0.0.1` and `localhost`.
pub struct TestPki {
    dir: tempfile::TempDir,
    pub ca_pem: String,
    server_cert_der: Vec<u8>,
    server_key_der: Vec<u8>,
}

impl TestPki {
    pub fn generate() -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "oncall test CA");
        let ca = ca_params.self_signed(&ca_key).expect("self-sign CA");

        let key = KeyPair::generate().expect("server key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let cert = params
            .signed_by(&key, &ca, &ca_key)
            .expect("sign server cert");

        Self::written(ca.pem(), cert.der().to_vec(), key.serialize_der())
    }

    /// One certificate that is both the server's and its own CA (`CA:TRUE`), as
    /// `openssl req -x509 -newkey rsa -subj /CN=127.0.0.1` makes it; `ca_file` is that cert.
    pub fn self_signed_ca_as_server() -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let key = KeyPair::generate().expect("key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let cert = params.self_signed(&key).expect("self-sign");
        Self::written(cert.pem(), cert.der().to_vec(), key.serialize_der())
    }

    /// The PKI with its CA written to `ca.pem` in a temp dir.
    fn written(ca_pem: String, server_cert_der: Vec<u8>, server_key_der: Vec<u8>) -> TestPki {
        let dir = tempfile::Builder::new()
            .prefix("oncall-pki-")
            .tempdir()
            .expect("temp dir");
        std::fs::write(dir.path().join("ca.pem"), &ca_pem).expect("write ca.pem");
        TestPki {
            dir,
            ca_pem,
            server_cert_der,
            server_key_der,
        }
    }

    /// The CA certificate as a PEM file, for `ca_file`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

/// Serves `router` over HTTPS with the PKI's server certificate.
pub struct HttpsServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl HttpsServer {
    pub fn start(pki: &TestPki, router: Router) -> HttpsServer {
        let certs = vec![rustls::pki_types::CertificateDer::from(
            pki.server_cert_der.clone(),
        )];
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(pki.server_key_der.clone()),
        );
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let _guard = super::rt().enter();
        let tcp = tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
        super::rt().spawn(async move {
            let listener = TlsListener { tcp, acceptor };
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        HttpsServer {
            addr,
            shutdown: Some(tx),
        }
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that rejects the certificate aborts the handshake: that is the
            // expected outcome of the "bad TLS" test, so just wait for the next one.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
