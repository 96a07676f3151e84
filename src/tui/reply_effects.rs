//! Carrying out the replies effects: drafts and queueing on the store's writer, and
//! `$EDITOR` with the UI suspended.

use std::io::Write;

use tokio::sync::mpsc;

use super::compose::OutboxOp;
use super::compose_update::ReplyMsg;
use super::model::{Effect, Msg};
use crate::domain::now;
use crate::platform::kinds;
use crate::store::outbox;
use crate::store::WriterHandle;

/// Starts the task that carries out replies effects one at a time, in order (a draft
/// saved just before a send must not land after it). Returns where to send them.
pub fn spawn(
    writer: WriterHandle,
    tx: mpsc::UnboundedSender<Msg>,
) -> mpsc::UnboundedSender<Effect> {
    let (effects, mut rx) = mpsc::unbounded_channel::<Effect>();
    tokio::spawn(async move {
        while let Some(effect) = rx.recv().await {
            if let Some(msg) = run(&writer, effect).await {
                let _ = tx.send(Msg::Reply(msg));
            }
        }
    });
    effects
}

/// Carries out one replies effect; the answer for the UI.
async fn run(writer: &WriterHandle, effect: Effect) -> Option<ReplyMsg> {
    {
        let msg = match effect {
            Effect::SaveDraft { item_id, body } => ReplyMsg::DraftSaved(
                writer
                    .call(move |c| outbox::save_draft(c, item_id, &body, now()))
                    .await
                    .map_err(|e| e.to_string()),
            ),
            Effect::QueueReply {
                item_id,
                text,
                replaces,
            } => ReplyMsg::Queued(
                writer
                    .call(move |c| {
                        let payload = serde_json::json!({ "text": text });
                        outbox::enqueue(c, item_id, kinds::REPLY, &payload, replaces, "user", now())
                    })
                    .await
                    .map_err(|e| e.to_string()),
            ),
            Effect::Outbox { id, op } => ReplyMsg::OutboxChanged {
                op,
                result: writer
                    .call(move |c| match op {
                        OutboxOp::Retry => outbox::retry(c, id, now()),
                        OutboxOp::Cancel => outbox::cancel(c, id, now()),
                        OutboxOp::ConfirmSent => outbox::confirm_sent(c, id, now()),
                    })
                    .await
                    .map_err(|e| e.to_string()),
            },
            _ => return None,
        };
        Some(msg)
    }
}

/// Edits `text` in `$VISUAL`/`$EDITOR` (vi when neither is set). The caller has left
/// the alternate screen and stopped reading keys.
pub fn edit_in_editor(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let mut file = tempfile::Builder::new()
        .prefix("hark-reply-")
        .suffix(".txt")
        .tempfile()
        .map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    // The editor may be "code --wait": split off its arguments.
    let mut words = editor.split_whitespace();
    let program = words.next().ok_or("$EDITOR is empty")?;
    let status = std::process::Command::new(program)
        .args(words)
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`{program}` exited with {status}; the text is unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| e.to_string())
}
