//! The prompts' history kept across restarts: one private file in the data directory,
//! one line per entry (`<prompt kind><TAB><line>`), oldest first, bounded per kind like
//! the history in memory. A damaged or foreign line is skipped, never an error: the history
//! is a convenience, and losing it must not stop the inbox from opening.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name in the data directory.
pub const FILE: &str = "prompt-history";

/// The kinds of prompt a line may belong to (see [`super::prompt`]).
const KINDS: [char; 4] = ['/', ':', 'l', 'T'];

/// Where the history of the workspace whose data directory is `data_dir` is kept.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The lines kept in `path`, oldest first; none if there is no file yet.
pub fn load(path: &Path) -> Vec<(char, String)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let (kind, rest) = line.split_once('\t')?;
            let mut chars = kind.chars();
            let kind = chars.next().filter(|k| KINDS.contains(k))?;
            (chars.next().is_none() && !rest.trim().is_empty()).then(|| (kind, rest.to_string()))
        })
        .collect()
}

/// The file's text for `lines`: one line each, a line's own line breaks made spaces.
pub fn render(lines: &[(char, String)]) -> String {
    let mut out = String::new();
    for (kind, line) in lines {
        out.push(*kind);
        out.push('\t');
        out.push_str(&line.replace(['\n', '\r'], " "));
        out.push('\n');
    }
    out
}

/// Writes `text` to `path` readable by its owner only, replacing the file whole (a
/// crash mid-way leaves the previous history).
pub fn save(path: &Path, text: &str) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&partial)?;
    file.write_all(text.as_bytes())?;
    drop(file);
    std::fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_survive_a_round_trip_and_bad_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let file = path(dir.path());
        assert!(load(&file).is_empty());
        let lines = vec![
            ('/', "refund | return".to_string()),
            (':', "view needs-reply".to_string()),
            ('l', "~t bug ~s neg".to_string()),
        ];
        save(&file, &render(&lines)).unwrap();
        assert_eq!(load(&file), lines);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(
            &file,
            "/\tcold brew\nnonsense\nxx\tnope\nq\tno kind\n:\t  \nT\t~a ana\n",
        )
        .unwrap();
        assert_eq!(
            load(&file),
            [('/', "cold brew".to_string()), ('T', "~a ana".to_string())]
        );
    }
}
