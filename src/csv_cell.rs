//! One CSV cell, for the report's CSV and every export: made inert by
//! [`crate::sanitize`], defused when a spreadsheet would run it as a formula, quoted when
//! it holds a separator.

/// Characters that start a formula in a spreadsheet, in ASCII, fullwidth and small forms.
const FORMULA_START: &[char] = &[
    '=', '+', '-', '@', '＝', '＋', '－', '＠', '﹦', '﹢', '﹣', '﹫',
];

/// `raw` as a CSV cell.
pub fn cell(raw: &str) -> String {
    let clean = crate::sanitize::inert_line(raw);
    let guarded = if runs_as_formula(raw, &clean) {
        format!("'{clean}")
    } else {
        clean
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Spreadsheets skip leading blanks and read fullwidth signs as ASCII ones, so the first
/// character that is not blank decides; a plain number ("-12", "+3.5") stays a number.
/// A cell that started with a tab or a carriage return before sanitizing is guarded too.
fn runs_as_formula(raw: &str, clean: &str) -> bool {
    if raw.starts_with(['\t', '\r']) {
        return true;
    }
    let body = clean.trim_start_matches(char::is_whitespace);
    if !body.starts_with(FORMULA_START) {
        return false;
    }
    !(body.len() == clean.len() && is_plain_number(body))
}

fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn commas_and_quotes_are_quoted() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn every_formula_start_is_defused() {
        for raw in [
            "=HYPERLINK(\"x\")",
            " =1+1",
            "\t=1+1",
            "\u{3000}=1",
            "\u{a0}+1",
            "＝1+1",
            "＋cmd",
            "－1",
            "＠SUM(A1)",
            "@ana",
            "-1+2",
            "+",
            "\u{200b}=1",
            "\r=1",
            "\t-3",
            "-inf",
            "\u{1b}[31m=1",
        ] {
            let out = cell(raw);
            let content = out.trim_start_matches('"');
            assert!(content.starts_with('\''), "{raw:?} became {out:?}");
        }
    }

    #[test]
    fn plain_numbers_and_text_stay_as_they_are() {
        assert_eq!(cell("-12"), "-12");
        assert_eq!(cell("+3.5"), "+3.5");
        assert_eq!(cell("42"), "42");
        assert_eq!(cell("hello = world"), "hello = world");
    }
}
