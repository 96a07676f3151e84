//! The kit's demo: the demo connector is its own platform (no HTTP), so it passes the
//! outbox cases only. The platform's side is observed at the connector's boundary: every
//! call that reaches it is counted, and a "slow send" is one whose answer comes back late.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::demo::{DemoConnector, Release};
use hark::platform::{Capabilities, Connector, FetchPage, ModerationAction, PlatformError, Target};
use tokio::sync::Notify;

use crate::harness::{arrival, Platform, SLOW};

#[derive(Default)]
struct Seen {
    writes: HashMap<String, usize>,
    /// Reply keys (the demo posts once per key), targets of set-like actions, reports.
    copies: HashMap<String, Vec<String>>,
}

/// The one demo network every "process" talks to.
struct Network {
    demo: DemoConnector,
    seen: Mutex<Seen>,
}

/// A client of the demo network; a slow one answers only after a long pause.
struct Client {
    network: Arc<Network>,
    taken: Option<Arc<Notify>>,
}

impl Client {
    async fn answer<T>(&self, result: Result<T, PlatformError>) -> Result<T, PlatformError> {
        if let Some(taken) = &self.taken {
            taken.notify_one();
            tokio::time::sleep(SLOW).await;
        }
        result
    }

    fn note(&self, kind: &str, copy: Option<String>) {
        let mut seen = self.network.seen.lock().unwrap();
        *seen.writes.entry(kind.into()).or_default() += 1;
        let copies = seen.copies.entry(kind.into()).or_default();
        match copy {
            Some(key) if copies.contains(&key) => {}
            Some(key) => copies.push(key),
            None => copies.push(String::new()),
        }
    }
}

#[async_trait]
impl Connector for Client {
    fn platform(&self) -> &str {
        self.network.demo.platform()
    }
    fn capabilities(&self) -> Capabilities {
        self.network.demo.capabilities()
    }
    async fn fetch(&self, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
        self.network.demo.fetch(cursor).await
    }
    async fn reply(&self, t: &Target, text: &str, key: &str) -> Result<String, PlatformError> {
        let result = self.network.demo.reply(t, text, key).await;
        if result.is_ok() {
            self.note("reply", Some(key.to_string()));
        }
        self.answer(result).await
    }
    async fn moderate(&self, t: &Target, action: ModerationAction) -> Result<(), PlatformError> {
        let kind = action.kind();
        let result = self.network.demo.moderate(t, action).await;
        // Every report is a new one; the other actions set a state.
        let copy = (kind != "report").then(|| t.external_id.clone());
        self.note(kind, copy);
        self.answer(result).await
    }
}

pub struct Demo {
    network: Arc<Network>,
}

#[async_trait]
impl Platform for Demo {
    const NAME: &'static str = "chirp";

    async fn start() -> Demo {
        Demo {
            network: Arc::new(Network {
                demo: DemoConnector::new("chirp", Release::All).unwrap(),
                seen: Mutex::default(),
            }),
        }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(Client {
            network: self.network.clone(),
            taken: None,
        })
    }

    fn target(&self, _kind: &str, n: u32) -> NewItem {
        NewItem {
            external_id: format!("kit-{n}"),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: format!("fan{n}"),
                handle: format!("@fan{n}"),
                display_name: format!("Fan {n}"),
                followers: None,
            },
            body: format!("contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: None,
            room: None,
        }
    }

    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>) {
        let taken = Arc::new(Notify::new());
        let client = Client {
            network: self.network.clone(),
            taken: Some(taken.clone()),
        };
        (Arc::new(client), taken)
    }

    async fn prompt(&self) {}

    async fn writes(&self, kind: &str) -> usize {
        let seen = self.network.seen.lock().unwrap();
        seen.writes.get(kind).copied().unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        let seen = self.network.seen.lock().unwrap();
        seen.copies.get(kind).map_or(0, Vec::len)
    }
}
