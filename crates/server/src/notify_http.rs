//! The HTTP transport of notices (`fengqiao_app::notify::Transport`): reqwest over rustls
//! with ring and Mozilla's roots, no redirects followed (an address answering with one is
//! refused, so a robot's address cannot lead elsewhere), short timeouts.

use fengqiao_app::notify::Transport;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

struct Http(reqwest::Client);

impl Transport for Http {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = (u16, String)> + Send + 'a>> {
        Box::pin(async move {
            let mut req = self.0.post(url);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            match req.body(body).send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    (status, resp.text().await.unwrap_or_default())
                }
                Err(e) => (0, e.without_url().to_string()),
            }
        })
    }
}

/// The process's transport (one client, its connections pooled).
pub fn transport() -> Arc<dyn Transport> {
    static T: OnceLock<Arc<dyn Transport>> = OnceLock::new();
    T.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent("fengqiao-notify/1")
            .build()
            .expect("an HTTP client");
        Arc::new(Http(client))
    })
    .clone()
}
