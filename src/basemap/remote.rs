//! Reading a basemap's style and TileJSON from the web, at start-up only: requests for our
//! map never wait on another host.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use url::Url;

/// Largest style or TileJSON read: the richest vector styles weigh a few hundred kilobytes.
const MAX_BYTES: usize = 8 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    pub fn new() -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("atlaas/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("making the HTTP client")?;
        Ok(Fetcher { client })
    }

    /// A JSON document, refused past [`MAX_BYTES`] or on any status but 200.
    pub async fn json(&self, url: &Url) -> Result<Value> {
        let mut res = self.client.get(url.clone()).send().await?;
        if !res.status().is_success() {
            bail!("{url} answered {}", res.status());
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await? {
            if body.len() + chunk.len() > MAX_BYTES {
                bail!("{url} is larger than {} MB", MAX_BYTES / 1024 / 1024);
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).with_context(|| format!("{url} is not JSON"))
    }
}
