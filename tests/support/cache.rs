//! A real cache file in a temporary directory with its writer and one account.

use hark::store::ingest;
use hark::store::Writer;

pub struct Cache {
    pub _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    pub writer: Writer,
    pub account: i64,
}

/// A new cache with the account `brand` on `chirp`.
pub fn cache() -> Cache {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    let writer = Writer::spawn(&path).unwrap();
    let account = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "brand", "chirp", "@brand"))
        .unwrap();
    Cache {
        _dir: dir,
        path,
        writer,
        account,
    }
}
