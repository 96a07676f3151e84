//! Finding a `[[rule]]` in the config's text, so rule errors name the rule and its line
//! (serde knows the index in the list, not where the rule is written).

/// `rule[3].all.regex` → 3.
pub fn rule_index(key: &str) -> Option<usize> {
    key.strip_prefix("rule[")?.split(']').next()?.parse().ok()
}

/// Line numbers (1-based) of the `[[rule]]` headers, in order.
fn headers(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[rule]]"))
        .map(|(n, _)| n + 1)
        .collect()
}

/// The lines belonging to rule `index`: (first line number, lines).
fn block(text: &str, index: usize) -> Option<(usize, Vec<&str>)> {
    let start = *headers(text).get(index)?;
    let lines: Vec<&str> = text.lines().skip(start).collect();
    // The block ends at the next header that is not one of this rule's own sub-tables.
    let end = lines
        .iter()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with('[') && !t.starts_with("[rule.")
        })
        .unwrap_or(lines.len());
    Some((start, lines[..end].to_vec()))
}

/// The `name = "..."` of rule `index`, if written plainly.
pub fn rule_name(text: &str, index: usize) -> Option<String> {
    let (_, lines) = block(text, index)?;
    lines.iter().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "name").then(|| v.trim().trim_matches('"').trim_matches('\'').to_string())
    })
}

/// The line of `key` inside rule `index` (its header line when the key is not found).
pub fn rule_line(text: &str, index: usize, key: Option<&str>) -> usize {
    let Some((start, lines)) = block(text, index) else {
        return 1;
    };
    if let Some(key) = key {
        let found = lines.iter().position(|l| {
            let t = l.trim_start();
            t.starts_with(&format!("{key} "))
                || t.starts_with(&format!("{key}="))
                || t.contains(&format!(" {key} ="))
                || t.contains(&format!("{{{key} ="))
                || t.contains(&format!("[rule.{key}]"))
        });
        if let Some(n) = found {
            return start + n + 1;
        }
    }
    start
}
