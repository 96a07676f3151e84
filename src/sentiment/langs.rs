//! The languages other than English that hark scores: each one's lexicons
//! (embedded; sources and licences in assets/sentiment/README.md) and the
//! word lists VADER's rules need (negation, boosters, contrast words).

use super::lexicon::{self, FxMap};
use super::vader::{NEG_POST, NEG_PRE, NEG_SELF};

/// How a lexicon file is laid out.
#[derive(Clone, Copy)]
enum Format {
    /// VADER's `word<TAB>valence<TAB>…` (LeIA).
    Vader,
    /// `word->valence` (vaderSentiment-fr).
    Arrow,
    /// hark's `word<TAB>valence[<TAB>note]` with `#` comments; valence 0 removes
    /// a word an earlier lexicon scored.
    Table,
}

struct Source {
    text: &'static str,
    format: Format,
}

/// One language's fixed rules and lexicon sources.
pub(crate) struct Rules {
    pub code: &'static str,
    /// Shown by `hark sentiment --explain`.
    pub lexicon_name: &'static str,
    /// Fold accents on both sides of the lookup ("decepcion" finds "decepción"); not for
    /// German, where "schon" and "schön" are different words.
    fold: bool,
    /// Elided articles and pronouns dropped before lookup ("l'attente" -> "attente").
    elisions: &'static [&'static str],
    /// Elisions that negate the word they join ("n'aime").
    neg_elisions: &'static [&'static str],
    negations: &'static [&'static str],
    /// Negations that also negate the word right before them.
    post_negations: &'static [&'static str],
    boosters: &'static [&'static str],
    dampeners: &'static [&'static str],
    contrasts: &'static [&'static str],
    /// Inflection fallbacks tried in order when a word is not in the lexicon:
    /// (ending, replacement), e.g. "rotas" -> "roto".
    suffixes: &'static [(&'static str, &'static str)],
    /// Set phrases whose meaning is not their words' ("vale la pena", "n'importe
    /// quoi"): the last word takes the valence, fixed, and the others go neutral.
    phrases: &'static [(&'static str, f64)],
    sources: &'static [Source],
}

const HARK_ES: &str = include_str!("../../assets/sentiment/es_words.tsv");
const HARK_FR: &str = include_str!("../../assets/sentiment/fr_words.tsv");
const HARK_PT: &str = include_str!("../../assets/sentiment/pt_words.tsv");
const HARK_DE: &str = include_str!("../../assets/sentiment/de_words.tsv");
const HARK_IT: &str = include_str!("../../assets/sentiment/it_words.tsv");
const HARK_CA: &str = include_str!("../../assets/sentiment/ca_words.tsv");
/// vaderSentiment-fr 1.3.4's French lexicon, byte for byte (MIT).
const VADER_FR: &str = include_str!("../../assets/sentiment/fr_lexicon.txt");
/// LeIA's Brazilian Portuguese lexicon, byte for byte (MIT).
const LEIA_PT: &str = include_str!("../../assets/sentiment/vader_lexicon_ptbr.txt");

pub(crate) static RULES: &[Rules] = &[
    Rules {
        code: "es",
        lexicon_name: "hark-es",
        fold: true,
        elisions: &[],
        neg_elisions: &[],
        negations: &[
            "no", "nunca", "jamas", "nada", "ni", "sin", "tampoco", "ningun", "ninguno", "ninguna",
            "nadie", "dejo", "dejado", "dejaron",
        ],
        post_negations: &[],
        boosters: &[
            "muy",
            "mas",
            "tan",
            "tanto",
            "super",
            "mega",
            "re",
            "totalmente",
            "completamente",
            "absolutamente",
            "realmente",
            "bastante",
            "demasiado",
            "sumamente",
            "extremadamente",
            "increiblemente",
            "especialmente",
            "tremendamente",
            "muchisimo",
            "mucho",
            "enormemente",
            "taaan",
            "tremendo",
            "tremenda",
            "verdaderamente",
            "lo mas",
        ],
        dampeners: &[
            "poco",
            "algo",
            "apenas",
            "casi",
            "ligeramente",
            "medio",
            "un poco",
            "relativamente",
            "bastante poco",
            "menos",
        ],
        contrasts: &["pero", "sino"],
        suffixes: &[
            ("isimos", "o"),
            ("isimas", "o"),
            ("isimo", "o"),
            ("isima", "o"),
            ("as", "o"),
            ("os", "o"),
            ("a", "o"),
            ("es", ""),
            ("s", ""),
            // conjugations: a verb form the lexicon lacks finds its 3rd-person or participle form
            ("aron", "a"),
            ("ieron", "e"),
            ("amos", "a"),
            ("emos", "e"),
            ("imos", "e"),
            ("ando", "a"),
            ("iendo", "e"),
            ("aban", "a"),
            ("aba", "a"),
            ("aste", "a"),
            ("iste", "e"),
            ("io", "e"),
            ("an", "a"),
            ("en", "e"),
            ("ar", "a"),
            ("er", "e"),
            ("ir", "e"),
        ],
        phrases: &[
            ("vale la pena", 1.8),
            ("merece la pena", 1.8),
            ("valio la pena", 1.8),
            ("valia la pena", 1.8),
            ("deja mucho que desear", -2.0),
            ("dejan mucho que desear", -2.0),
            ("nunca mas", -2.0),
            ("por fin", 1.0),
            ("de lujo", 2.2),
            ("de diez", 2.0),
            ("sin duda", 0.8),
            ("nada mejor", 2.5),
            ("vaya tela", -1.8),
            ("menos mal", 1.2),
            ("sin problema", 1.2),
            ("sin problemas", 1.2),
            ("ningun problema", 1.2),
            ("dejo de funcionar", -2.0),
            ("ha dejado de funcionar", -2.0),
            ("tomadura de pelo", -2.4),
            ("de verdad", 0.0),
        ],
        sources: &[Source {
            text: HARK_ES,
            format: Format::Table,
        }],
    },
    Rules {
        code: "fr",
        lexicon_name: "vaderSentiment-fr 1.3.4 + hark-fr",
        fold: true,
        elisions: &[
            "l'", "d'", "j'", "m'", "t'", "s'", "c'", "qu'", "jusqu'", "lorsqu'", "puisqu'",
        ],
        neg_elisions: &["n'"],
        negations: &[
            "ne",
            "pas",
            "jamais",
            "rien",
            "aucun",
            "aucune",
            "sans",
            "ni",
            "guere",
            "nullement",
            "personne",
            "arrete",
            "cesse",
        ],
        post_negations: &["pas", "jamais", "rien", "plus"],
        boosters: &[
            "tres",
            "trop",
            "vraiment",
            "tellement",
            "si",
            "super",
            "hyper",
            "ultra",
            "completement",
            "totalement",
            "absolument",
            "extremement",
            "particulierement",
            "vachement",
            "grave",
            "archi",
            "tout",
            "tant",
            "fort",
            "bien",
            "franchement",
            "carrement",
            "incroyablement",
            "parfaitement",
            "entierement",
        ],
        dampeners: &[
            "peu",
            "un peu",
            "assez",
            "plutot",
            "presque",
            "legerement",
            "moins",
            "moyennement",
        ],
        contrasts: &["mais", "cependant", "pourtant", "toutefois", "neanmoins"],
        suffixes: &[
            ("euses", "eux"),
            ("euse", "eux"),
            ("ives", "if"),
            ("ive", "if"),
            ("aux", "al"),
            ("ees", "e"),
            ("es", ""),
            ("e", ""),
            ("s", ""),
            ("x", ""),
            // conjugations: a verb form the lexicon lacks finds its 3rd-person or participle form
            ("aient", "ent"),
            ("ait", "e"),
            ("ons", "e"),
            ("ez", "e"),
            ("ent", "e"),
            ("er", "e"),
        ],
        phrases: &[
            ("vaut le coup", 1.8),
            ("vaut la peine", 1.8),
            ("valait la peine", 1.8),
            ("en vaut la peine", 1.8),
            ("n'importe quoi", -2.2),
            ("plus jamais", -2.0),
            ("une tuerie", 2.6),
            ("de reve", 2.4),
            ("rien de mieux", 2.5),
            ("aucun probleme", 1.2),
            ("aucun souci", 1.2),
            ("sans souci", 1.2),
            ("pas de souci", 1.2),
            ("pas de probleme", 1.2),
            ("a cesse de fonctionner", -2.0),
            ("foutage de gueule", -2.6),
            ("se moquer", -1.8),
        ],
        sources: &[
            Source {
                text: VADER_FR,
                format: Format::Arrow,
            },
            Source {
                text: HARK_FR,
                format: Format::Table,
            },
        ],
    },
    Rules {
        code: "pt",
        lexicon_name: "LeIA + hark-pt",
        fold: true,
        elisions: &[],
        neg_elisions: &[],
        negations: &[
            "nao", "nunca", "jamais", "nada", "nem", "sem", "nenhum", "nenhuma", "ninguem",
            "tampouco", "parou",
        ],
        post_negations: &[],
        boosters: &[
            "muito",
            "muita",
            "muitos",
            "muitas",
            "super",
            "mega",
            "mais",
            "tao",
            "tanto",
            "demais",
            "totalmente",
            "completamente",
            "absolutamente",
            "realmente",
            "bastante",
            "extremamente",
            "incrivelmente",
            "especialmente",
            "bem",
            "mto",
            "mt",
            "mtu",
            "sumamente",
            "tremendamente",
            "enormemente",
            "demasiado",
        ],
        dampeners: &[
            "pouco",
            "meio",
            "quase",
            "apenas",
            "levemente",
            "ligeiramente",
            "menos",
            "um pouco",
        ],
        contrasts: &["mas", "porem", "contudo", "entretanto", "todavia"],
        suffixes: &[
            ("issimos", "o"),
            ("issimas", "o"),
            ("issimo", "o"),
            ("issima", "o"),
            ("oes", "ao"),
            ("eis", "el"),
            ("as", "o"),
            ("os", "o"),
            ("a", "o"),
            ("es", ""),
            ("s", ""),
            // conjugations: a verb form the lexicon lacks finds its 3rd-person or participle form
            ("aram", "a"),
            ("eram", "e"),
            ("iram", "e"),
            ("amos", "a"),
            ("ando", "a"),
            ("endo", "e"),
            ("indo", "e"),
            ("ava", "a"),
            ("ou", "a"),
            ("eu", "e"),
            ("iu", "e"),
            ("ei", "a"),
            ("am", "a"),
            ("em", "e"),
            ("ar", "a"),
            ("er", "e"),
            ("ir", "e"),
        ],
        phrases: &[
            ("vale a pena", 1.8),
            ("valeu a pena", 1.8),
            ("valeu muito a pena", 2.2),
            ("nunca mais", -2.0),
            ("nota dez", 2.2),
            ("nota 10", 2.2),
            ("nada melhor", 2.5),
            ("nenhum problema", 1.2),
            ("sem problema", 1.2),
            ("sem problemas", 1.2),
            ("parou de funcionar", -2.0),
            ("falta de respeito", -2.4),
            ("assim nao da", -1.8),
            ("de jeito nenhum", -1.0),
        ],
        sources: &[
            Source {
                text: LEIA_PT,
                format: Format::Vader,
            },
            Source {
                text: HARK_PT,
                format: Format::Table,
            },
        ],
    },
    Rules {
        code: "de",
        lexicon_name: "hark-de",
        fold: false,
        elisions: &[],
        neg_elisions: &[],
        negations: &[
            "nicht", "nie", "niemals", "kein", "keine", "keinen", "keinem", "keiner", "keines",
            "nichts", "ohne", "weder", "nirgends", "nix", "net", "niemand",
        ],
        post_negations: &["nicht", "nie", "niemals", "nix", "net"],
        boosters: &[
            "sehr",
            "so",
            "total",
            "echt",
            "wirklich",
            "extrem",
            "absolut",
            "völlig",
            "vollkommen",
            "komplett",
            "super",
            "mega",
            "richtig",
            "besonders",
            "unglaublich",
            "äußerst",
            "ausgesprochen",
            "höchst",
            "ziemlich",
            "voll",
            "sau",
            "zu",
            "ganz",
            "wahnsinnig",
            "total",
            "sowas",
            "überaus",
            "furchtbar",
            "echt",
        ],
        dampeners: &[
            "etwas", "bisschen", "kaum", "wenig", "leicht", "eher", "fast", "halbwegs", "weniger",
        ],
        contrasts: &["aber", "jedoch", "allerdings", "trotzdem", "dennoch"],
        suffixes: &[
            ("sten", ""),
            ("ste", ""),
            ("es", ""),
            ("en", ""),
            ("er", ""),
            ("em", ""),
            ("e", ""),
            ("n", ""),
            ("s", ""),
        ],
        phrases: &[
            ("nie wieder", -2.0),
            ("war es wert", 1.8),
            ("lohnt sich", 1.6),
            ("der hammer", 2.4),
            ("ein traum", 2.5),
            ("kein problem", 1.2),
            ("keine probleme", 1.2),
            ("ohne probleme", 1.2),
            ("nichts besseres", 2.5),
            ("geht gar nicht", -2.2),
            ("so geht das nicht", -2.0),
            ("immer noch nicht", -1.5),
            ("schon wieder", -1.0),
        ],
        sources: &[Source {
            text: HARK_DE,
            format: Format::Table,
        }],
    },
    Rules {
        code: "it",
        lexicon_name: "hark-it",
        fold: true,
        elisions: &[
            "l'", "un'", "d'", "dell'", "all'", "dall'", "nell'", "sull'", "c'", "m'", "t'", "s'",
            "quest'", "quell'",
        ],
        neg_elisions: &[],
        negations: &[
            "non", "mai", "niente", "nulla", "senza", "ne", "nessun", "nessuno", "nessuna",
            "neanche", "nemmeno", "neppure", "smesso",
        ],
        post_negations: &[],
        boosters: &[
            "molto",
            "troppo",
            "tanto",
            "cosi",
            "davvero",
            "veramente",
            "proprio",
            "completamente",
            "totalmente",
            "assolutamente",
            "estremamente",
            "super",
            "particolarmente",
            "incredibilmente",
            "davvero",
            "parecchio",
            "tantissimo",
            "sempre",
            "piu",
            "decisamente",
            "altamente",
        ],
        dampeners: &[
            "poco",
            "abbastanza",
            "quasi",
            "leggermente",
            "un po",
            "po",
            "meno",
            "piuttosto",
        ],
        contrasts: &["ma", "pero", "tuttavia", "comunque", "eppure"],
        suffixes: &[
            ("issimi", "o"),
            ("issime", "o"),
            ("issimo", "o"),
            ("issima", "o"),
            ("issima", "e"),
            ("issimo", "e"),
            ("i", "o"),
            ("e", "o"),
            ("a", "o"),
            ("i", "e"),
            // conjugations: a verb form the lexicon lacks finds its 3rd-person or participle form
            ("arono", "a"),
            ("avano", "a"),
            ("ava", "a"),
            ("ando", "a"),
            ("endo", "e"),
            ("ano", "a"),
            ("ono", "e"),
            ("are", "a"),
            ("ere", "e"),
            ("ire", "e"),
        ],
        phrases: &[
            ("vale la pena", 1.8),
            ("valeva la pena", 1.8),
            ("ne vale la pena", 1.8),
            ("ne valeva la pena", 1.8),
            ("mai piu", -2.0),
            ("che nervi", -2.0),
            ("presa in giro", -2.2),
            ("preso in giro", -2.2),
            ("niente di meglio", 2.5),
            ("nessun problema", 1.2),
            ("senza problemi", 1.2),
            ("ha smesso di funzionare", -2.0),
            ("smesso di funzionare", -2.0),
            ("cosi non va", -1.8),
        ],
        sources: &[Source {
            text: HARK_IT,
            format: Format::Table,
        }],
    },
    Rules {
        code: "ca",
        lexicon_name: "hark-ca",
        fold: true,
        elisions: &["l'", "d'", "m'", "t'", "s'", "n'"],
        neg_elisions: &[],
        negations: &[
            "no", "mai", "res", "sense", "ni", "tampoc", "cap", "ningu", "gens", "deixat",
        ],
        post_negations: &[],
        boosters: &[
            "molt",
            "molta",
            "molts",
            "moltes",
            "massa",
            "tan",
            "tant",
            "super",
            "mega",
            "totalment",
            "completament",
            "absolutament",
            "realment",
            "extremadament",
            "increiblement",
            "especialment",
            "força",
            "forca",
            "ben",
            "mes",
            "gaire",
            "superbe",
            "bastant",
        ],
        dampeners: &[
            "poc",
            "una mica",
            "mica",
            "gairebe",
            "quasi",
            "lleugerament",
            "menys",
        ],
        contrasts: &["pero", "tanmateix", "sino"],
        suffixes: &[
            ("ades", "at"),
            ("ada", "at"),
            ("ats", "at"),
            ("ides", "it"),
            ("ida", "it"),
            ("its", "it"),
            ("es", ""),
            ("a", ""),
            ("s", ""),
            ("es", "a"),
            // conjugations: a verb form the lexicon lacks finds its 3rd-person or participle form
            ("aren", "a"),
            ("aven", "a"),
            ("ava", "a"),
            ("ant", "a"),
            ("en", "a"),
            ("eu", "a"),
            ("em", "a"),
            ("ar", "a"),
            ("re", ""),
        ],
        phrases: &[
            ("val la pena", 1.8),
            ("valia la pena", 1.8),
            ("mai mes", -2.0),
            ("per fi", 1.0),
            ("de luxe", 2.2),
            ("de deu", 2.0),
            ("cap problema", 1.2),
            ("sense problemes", 1.2),
            ("res millor", 2.5),
            ("deixat de funcionar", -2.0),
            ("presa de pel", -2.4),
            ("aixi no es pot", -1.8),
        ],
        sources: &[Source {
            text: HARK_CA,
            format: Format::Table,
        }],
    },
];

/// Booster increment, as the reference's B_INCR / B_DECR.
const B_INCR: f64 = 0.293;

/// A language ready to score: its rules and the merged lexicon.
pub(crate) struct Pack {
    pub rules: &'static Rules,
    pub lexicon: FxMap<Box<str>, f64>,
    words: FxMap<Box<str>, Word>,
    /// `phrases` in key form, split into words.
    pub phrases: Vec<(Vec<String>, f64)>,
}

/// Function-word roles.
#[derive(Clone, Copy, Default)]
struct Word {
    neg: u8,
    boost: Option<f64>,
    contrast: bool,
}

impl Pack {
    pub(crate) fn new(rules: &'static Rules) -> Self {
        let mut lexicon = FxMap::default();
        let mut key = String::new();
        for src in rules.sources {
            let imported = !matches!(src.format, Format::Table);
            for (word, v) in entries(src) {
                // machine-translated lexicons score many short function words
                // ("sur", "para", "dois") and faint senses: keep their clear entries
                if imported && (word.chars().count() < 5 || v.abs() < 0.5) {
                    continue;
                }
                key.clear();
                push_key(rules.fold, word, &mut key);
                // 0 stays as a stop entry: neutral, and no inflection fallback
                lexicon.insert(key.as_str().into(), v);
            }
        }
        let mut words: FxMap<Box<str>, Word> = FxMap::default();
        let mut role = |list: &[&str], f: &dyn Fn(&mut Word)| {
            for w in list {
                let mut k = String::new();
                push_key(rules.fold, w, &mut k);
                f(words.entry(k.into()).or_default());
            }
        };
        role(rules.negations, &|w| w.neg |= NEG_PRE);
        role(rules.post_negations, &|w| w.neg |= NEG_POST);
        role(rules.boosters, &|w| w.boost = Some(B_INCR));
        role(rules.dampeners, &|w| w.boost = Some(-B_INCR));
        role(rules.contrasts, &|w| {
            w.contrast = true;
            w.boost = None;
        });
        // function words carry their rule, never a valence of their own
        for k in words.keys() {
            lexicon.remove(k);
        }
        let phrases = rules
            .phrases
            .iter()
            .map(|(p, v)| {
                let words = p
                    .split(' ')
                    .map(|w| {
                        let mut k = String::new();
                        push_key(rules.fold, w, &mut k);
                        k
                    })
                    .collect();
                (words, *v)
            })
            .collect();
        Pack {
            rules,
            lexicon,
            words,
            phrases,
        }
    }

    /// The lookup key of a stripped word: lower case, accents folded where the
    /// language allows, typographic punctuation ("¡", "«", "…") trimmed.
    pub(crate) fn push_key(&self, word: &str, out: &mut String) {
        push_key(self.rules.fold, word, out);
    }

    /// `key` without an elided article or pronoun, and whether the elision negates.
    fn strip_elision<'k>(&self, key: &'k str) -> (&'k str, bool) {
        if let Some(i) = key.find('\'') {
            if i <= 6 && i + 1 < key.len() {
                let (head, rest) = key.split_at(i + 1);
                if self.rules.neg_elisions.contains(&head) {
                    return (rest, true);
                }
                if self.rules.elisions.contains(&head) {
                    return (rest, false);
                }
            }
        }
        (key, false)
    }

    /// Valence of a key, trying the inflection fallbacks.
    pub(crate) fn valence(&self, key: &str) -> Option<f64> {
        let (key, _) = self.strip_elision(key);
        if key.is_empty() {
            return None;
        }
        if let Some(&v) = self.lexicon.get(key) {
            return (v != 0.0).then_some(v);
        }
        let mut buf = [0u8; 64];
        for (end, repl) in self.rules.suffixes {
            let Some(stem) = key.strip_suffix(end) else {
                continue;
            };
            if stem.chars().count() < 3 || stem.len() + repl.len() > buf.len() {
                continue;
            }
            let n = stem.len() + repl.len();
            buf[..stem.len()].copy_from_slice(stem.as_bytes());
            buf[stem.len()..n].copy_from_slice(repl.as_bytes());
            if let Ok(k) = std::str::from_utf8(&buf[..n]) {
                if let Some(&v) = self.lexicon.get(k) {
                    return (v != 0.0).then_some(v);
                }
            }
        }
        None
    }

    pub(crate) fn booster(&self, key: &str) -> Option<f64> {
        self.words.get(key).and_then(|w| w.boost)
    }

    pub(crate) fn negation(&self, key: &str) -> u8 {
        let (rest, neg) = self.strip_elision(key);
        let own = self.words.get(rest).map_or(0, |w| w.neg);
        if neg {
            own | NEG_SELF
        } else {
            own
        }
    }

    pub(crate) fn contrast(&self, key: &str) -> bool {
        self.words.get(key).is_some_and(|w| w.contrast)
    }
}

fn entries(src: &Source) -> Box<dyn Iterator<Item = (&'static str, f64)>> {
    match src.format {
        Format::Table => Box::new(lexicon::parse_table(src.text)),
        Format::Vader => Box::new(src.text.lines().filter_map(|l| {
            let mut c = l.split('\t');
            let w = c.next()?.trim();
            Some((w, c.next()?.trim().parse().ok()?))
        })),
        Format::Arrow => Box::new(src.text.lines().filter_map(|l| {
            let (w, v) = l.rsplit_once("->")?;
            Some((w.trim(), v.trim().parse().ok()?))
        })),
    }
}

fn push_key(fold: bool, word: &str, out: &mut String) {
    let word = word.trim_matches(|c: char| {
        matches!(
            c,
            '¡' | '¿' | '«' | '»' | '“' | '”' | '„' | '‘' | '’' | '…' | '·' | '—' | '–'
        )
    });
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            '’' => out.push('\''),
            'œ' if fold => out.push_str("oe"),
            _ if fold => out.push(fold_accent(c)),
            _ => out.push(c),
        }
    }
}

/// Latin letters with diacritics to their base letter (ç, ñ included: posts
/// often drop them).
fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ÿ' => 'y',
        _ => c,
    }
}
