//! Customer-service complaints that carry no sentiment word, per language:
//! - a wait: a duration next to a waiting word ("tardó 6 días", "ça fait
//!   trois semaines que j'attends", "ich warte seit zwei Wochen");
//! - "still not": a "still" word right before a negation ("todavía no",
//!   "toujours pas", "immer noch nicht", "ainda não");
//! - "again" phrases of a repeated failure ("otra vez", "schon wieder").
//!
//! A wait counts in the past or in progress ("tardó", "demorou", "esperando"),
//! not in the present of a question about delivery times ("¿cuánto tarda?").
//! Matched on lookup keys (lowercase; accents folded except in German).
//! A word ending in `*` matches as a prefix.

use super::vader::{Scratch, NEG_PRE};

const WAIT_VALENCE: f64 = -1.5;
const STILL_VALENCE: f64 = -1.2;
const AGAIN_VALENCE: f64 = -1.0;
/// How many words before a duration unit a waiting word may stand.
const WAIT_REACH: usize = 4;

struct Table {
    code: &'static str,
    units: &'static [&'static str],
    waits: &'static [&'static str],
    stills: &'static [&'static str],
    agains: &'static [&'static [&'static str]],
}

static TABLES: &[Table] = &[
    Table {
        code: "es",
        units: &[
            "minutos", "hora", "horas", "dia", "dias", "semana", "semanas", "mes", "meses",
        ],
        waits: &[
            "esper*", "tardo", "tardaron", "tardado", "tardando", "llevo", "llevamos", "hace",
            "desde",
        ],
        stills: &["todavia", "aun", "sigue", "siguen", "sigo", "seguimos"],
        agains: &[&["otra", "vez"], &["de", "nuevo"]],
    },
    Table {
        code: "fr",
        units: &[
            "minutes", "heure", "heures", "jour", "jours", "semaine", "semaines", "mois",
        ],
        waits: &["attend*", "j'attends", "depuis", "fait", "patiente*"],
        stills: &["toujours", "encore"],
        agains: &[
            &["encore", "une", "fois"],
            &["de", "nouveau"],
            &["a", "nouveau"],
        ],
    },
    Table {
        code: "pt",
        units: &[
            "minutos", "hora", "horas", "dia", "dias", "semana", "semanas", "mes", "meses",
        ],
        waits: &[
            "esper*",
            "aguard*",
            "demorou",
            "demoraram",
            "demorando",
            "atras*",
            "ha",
            "faz",
        ],
        stills: &["ainda", "continua", "continuo"],
        agains: &[&["de", "novo"], &["outra", "vez"], &["novamente"]],
    },
    Table {
        code: "de",
        units: &[
            "minuten", "stunde", "stunden", "tag", "tage", "tagen", "woche", "wochen", "monat",
            "monate", "monaten",
        ],
        waits: &["wart*", "seit", "dauer*", "gedauert"],
        stills: &["noch"],
        agains: &[&["schon", "wieder"], &["erneut"]],
    },
    Table {
        code: "it",
        units: &[
            "minuti",
            "ora",
            "ore",
            "giorno",
            "giorni",
            "settimana",
            "settimane",
            "mese",
            "mesi",
        ],
        waits: &["aspett*", "attend*", "ritard*", "da"],
        stills: &["ancora"],
        agains: &[
            &["di", "nuovo"],
            &["un'altra", "volta"],
            &["ancora", "una", "volta"],
        ],
    },
    Table {
        code: "ca",
        units: &[
            "minuts", "hora", "hores", "dia", "dies", "setmana", "setmanes", "mes", "mesos",
        ],
        waits: &["esper*", "trig*", "fa", "porto", "des"],
        stills: &["encara", "segueix", "segueixen"],
        agains: &[
            &["un", "altre", "cop"],
            &["una", "altra", "vegada"],
            &["de", "nou"],
        ],
    },
];

fn matches(list: &[&str], w: &str) -> bool {
    list.iter().any(|p| match p.strip_suffix('*') {
        Some(stem) => w.starts_with(stem),
        None => w == *p,
    })
}

fn word(s: &Scratch, i: usize) -> &str {
    s.lower_of(i)
        .trim_end_matches(['.', ',', '!', '?', ';', ':'])
}

fn fix(s: &mut Scratch, i: usize, v: f64) {
    let t = &mut s.toks[i];
    t.lex = Some(v);
    t.emoji = true; // fixed valence
    t.boost = None;
    t.neg = 0;
    t.contrast = false;
}

/// Mark the complaint patterns of language `code` in the tokens of one post.
pub(crate) fn apply(code: &str, s: &mut Scratch) {
    let Some(t) = TABLES.iter().find(|t| t.code == code) else {
        return;
    };
    let n = s.toks.len();
    for i in 0..n {
        let w = word(s, i);
        if matches(t.units, w) && s.toks[i].lex.is_none() {
            let from = i.saturating_sub(WAIT_REACH);
            let waited = (from..i).any(|k| !s.toks[k].clause_end && matches(t.waits, word(s, k)))
                || (i + 1..n.min(i + 1 + WAIT_REACH)).any(|k| matches(t.waits, word(s, k)));
            if waited {
                fix(s, i, WAIT_VALENCE);
            }
        }
    }
    for i in 0..n {
        if matches(t.stills, word(s, i))
            && !s.toks[i].clause_end
            && (i + 1..n.min(i + 3)).any(|k| s.toks[k].neg & NEG_PRE != 0)
        {
            fix(s, i, STILL_VALENCE);
        }
    }
    for phrase in t.agains {
        let m = phrase.len();
        for i in 0..n.saturating_sub(m - 1) {
            if (0..m).all(|k| word(s, i + k) == phrase[k]) {
                (i..i + m - 1).for_each(|k| s.neutralize(k));
                fix(s, i + m - 1, AGAIN_VALENCE);
            }
        }
    }
}
