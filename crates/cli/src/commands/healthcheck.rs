//! `fengqiao healthcheck --url URL`: GET `/readyz` and exit 0 only on 200. A minimal
//! HTTP/1.1 request over TCP: no HTTP client library needed for one plain GET.

use std::process::ExitCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(clap::Args)]
pub struct Args {
    /// Base URL of the server, e.g. http://127.0.0.1:8080
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rest = args
        .url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("--url must start with http:// (got {})", args.url))?;
    let hostport = rest.split('/').next().unwrap_or(rest);
    let host = hostport.rsplit_once(':').map(|(h, _)| h).unwrap_or(hostport);
    let addr = if hostport.contains(':') { hostport.to_string() } else { format!("{hostport}:80") };
    let check = async {
        let mut s = tokio::net::TcpStream::connect(&addr).await?;
        let req = format!("GET /readyz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf).to_string())
    };
    match tokio::time::timeout(Duration::from_secs(5), check).await {
        Ok(Ok(resp)) => {
            let status = resp.split_whitespace().nth(1).unwrap_or("");
            let body = resp.split("\r\n\r\n").nth(1).unwrap_or("").trim();
            if status == "200" {
                println!("ready: {body}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("not ready (HTTP {status}): {body}");
                Ok(ExitCode::FAILURE)
            }
        }
        Ok(Err(e)) => {
            eprintln!("cannot reach {addr}: {e}");
            Ok(ExitCode::FAILURE)
        }
        Err(_) => {
            eprintln!("no answer from {addr} within 5 s");
            Ok(ExitCode::FAILURE)
        }
    }
}
