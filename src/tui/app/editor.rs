//! `$EDITOR` for the composer, with the UI suspended by the event source.

use std::io::Write;

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
