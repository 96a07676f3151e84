//! Function words and letters that give a short post's language away: "the",
//! "pero", "c'est", "nicht", "você", "però"; "ñ", "ã", "ß", "l·l". Each hit votes for
//! the languages whose list has the word; a word shared by two languages votes half
//! as much, one shared by more not at all.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// The languages with hints, in bit order.
pub(crate) const LANGS: [&str; 7] = ["en", "es", "fr", "pt", "de", "it", "ca"];

const EN: &str = "the and is are was were you your you're i i'm i've it it's its this that these \
    with for not have has had just my me we our they what when why how can can't don't didn't \
    doesn't won't isn't wasn't will would been be so at to of from about out there their get got \
    thanks thank please love any still again today really very since after guys order store \
    shop delivery would could should been being who which good bad great happy fun day time \
    damn mood people games birthday cute nice awesome amazing best worst hate like \
    gonna wanna yeah morning night tonight tomorrow yesterday \
    week year new old more much many some every all one two three first last next back \
    home work life world man guy girl friend friends hell god well";
const ES: &str = "el los las del al y que es por para con una unos unas pero muy mi mis me qué \
    está esta están estoy hay hace llevo también tambien ya nos os vuestro vuestra vuestros \
    habéis habeis sois tenéis teneis lo se le les como cómo cuándo cuando dónde donde porque \
    gracias hola ayer hoy mañana nada nadie siempre todavía todavia sin desde hasta pedido \
    vez mucho muy bien vaya aquí aqui ahora otra eso esto tienda producto envío envio pago \
    suscripción suscripcion dinero hoy mañana manana quiero tenéis teneis podéis podeis puedo \
    tengo ningún ningun muchas muchos gracias favor un";
const FR: &str =
    "le la les des est et je tu vous nous pas une un du pour avec c'est j'ai mais très \
    tres sur ce ça qui au aux mon ma mes votre vos il elle n'est d'un d'une l'app qu'il \
    j'attends suis sont fait été ete toujours rien merci bonjour aujourd'hui hier depuis chez \
    encore cette même quand où comment pourquoi alors donc moi commande boutique produit \
    livraison paiement abonnement argent demain avez êtes etes peux veux ai avez-vous \
    acceptez-vous mails deux quatre reçu recu ou";
const PT: &str = "não nao você voce vocês voces com uma um para por muito muita mais está estou \
    meu minha já ja ainda também isso esse essa obrigado obrigada do da dos das no na nos ao é \
    são tem foi pra que olá ola hoje ontem nada ninguém ninguem sempre agora aqui até ate \
    depois vou vai pedido atendimento loja produto entrega pagamento assinatura dinheiro \
    amanhã amanha quero têm tem vocês meu minha dia dias nova novo pela pelo num numa \
    eu sem tudo bem nem ele ela isto ou seu sua";
const DE: &str = "der das und ist nicht ich ein eine einen mit auf für fur den dem es sie wir ihr \
    euch euer eure sehr aber noch schon auch bei mir mich kein keine habe hat wie wo wann gibt \
    bitte danke heute gestern seit wieder immer nur war wurde sind zum zur vom nach \
    bestellung laden filiale produkt lieferung zahlung abo geld morgen alles gute guter \
    angekommen paket was man mehr";
const IT: &str =
    "il lo gli che di è non per con una uno sono mi ti ci della del nel alla molto più \
    piu anche ancora ho hai ha questo questa perché perche grazie vostro vostra siete ma oggi \
    sempre dopo niente nessuno ciao buongiorno già gia qui ieri adesso tutto tutti cosa \
    ordine negozio prodotto consegna spedizione abbonamento soldi domani avete posso vi \
    siamo sei dello della dei delle degli nella sul sulla fino sua suo";
const CA: &str =
    "els les amb però pero molt és què perquè aquest aquesta per una hi ha em et ens us \
    vostra vostre vosaltres sou tinc estic meu meva també gràcies gracies avui ahir encara \
    doncs gens res fa m'han m'heu vaig va van dels al la el no tot mai cap bon dia bona \
    comanda botiga producte enviament pagament subscripció subscripcio diners demà dema \
    teniu feu obriu podeu quina quin quins quines quant necessito des aquí aqui amb això \
    aixo ho vull soc sóc puc havia quan fins només nomes vegada vegades setmana nostre \
    nostra vostre mateix després despres abans ara cop cops dilluns dimarts diumenge \
    dissabte nens noi noia gent feina aigua bé gràcies com seu";

/// Function words of other Latin-script languages (Dutch, the Scandinavian ones, Romanian,
/// Polish, Czech, Turkish, Indonesian, Finnish, Hungarian, Tagalog, Croatian, Afrikaans),
/// none of them a word of ours: one of them in a post means the hints alone cannot tell
/// it, however many of our words it shares.
const FOREIGN: &str = "het een niet zijn ook maar naar wat geen mijn jullie wij bij \
    uit deze dit wel hebben heb wordt kunnen moet altijd nooit zeer nog erg \
    og ikke jeg til af med mig jag inte och att eller hvad hva hvor fordi virkelig \
    meget veldig mycket stadig aldri aldrig kunne skulle hade vil \
    sunt foarte iar deloc pentru acum nici acest din nimic sau \
    jest jak bardzo mnie czy tak dla jestem \
    jsem velmi jsou ani nebo proto \
    bir çok için değil ile gibi daha \
    yang ini itu tidak saya dengan untuk sudah belum sangat kami \
    että olen mutta kun minä todella hyvin \
    egy hogy nagyon volt már \
    ang mga hindi ako naman \
    nije samo jako kao \
    ek mindig fost atat";

/// Letters that belong to few of the languages.
fn letter_votes(c: char) -> u16 {
    const ES_: u16 = 1 << 1;
    const FR_: u16 = 1 << 2;
    const PT_: u16 = 1 << 3;
    const DE_: u16 = 1 << 4;
    const IT_: u16 = 1 << 5;
    const CA_: u16 = 1 << 6;
    match c {
        'ñ' | '¿' | '¡' => ES_,
        'ã' | 'õ' => PT_,
        'ß' | 'ä' | 'ö' | 'ü' => DE_,
        '·' => CA_,
        'ê' | 'ô' => FR_ | PT_,
        'â' => FR_ | PT_,
        'î' | 'û' | 'ë' | 'ï' | 'œ' => FR_,
        'è' => FR_ | IT_ | CA_,
        'ò' => IT_ | CA_,
        'ù' => FR_ | IT_,
        'ç' => FR_ | PT_ | CA_,
        _ => 0,
    }
}

/// Whether a letter is outside the alphabets of the hinted languages (ø, ł, ő, ș, ğ, š…):
/// another language, or another script.
fn foreign_letter(c: char) -> bool {
    !c.is_ascii()
        && !matches!(
            c,
            'ß' | 'ä'
                | 'ö'
                | 'ü'
                | 'à'
                | 'â'
                | 'ç'
                | 'è'
                | 'é'
                | 'ê'
                | 'ë'
                | 'î'
                | 'ï'
                | 'ô'
                | 'ù'
                | 'û'
                | 'ÿ'
                | 'œ'
                | 'æ'
                | 'á'
                | 'í'
                | 'ñ'
                | 'ó'
                | 'ú'
                | 'ã'
                | 'õ'
                | 'ì'
                | 'ò'
                | '·'
        )
}

/// Word endings typical of one or two of the languages.
const ENDINGS: &[(&str, u16)] = &[
    ("ción", 1 << 1),
    ("cion", 1 << 1),
    ("dad", 1 << 1),
    ("ção", 1 << 3),
    ("ções", 1 << 3),
    ("cao", 1 << 3),
    ("dade", 1 << 3),
    // Portuguese spells the palatals lh and nh (Spanish ll and ñ, Catalan ll and ny)
    ("lho", 1 << 3),
    ("lha", 1 << 3),
    ("lhos", 1 << 3),
    ("lhas", 1 << 3),
    ("lhor", 1 << 3),
    ("lhores", 1 << 3),
    ("nho", 1 << 3),
    ("nha", 1 << 3),
    ("nhos", 1 << 3),
    ("nhas", 1 << 3),
    ("eito", 1 << 3),
    ("eita", 1 << 3),
    // past tense: chegou, comprou; paguei, fiquei
    ("ou", 1 << 3),
    ("uei", 1 << 3),
    ("zione", 1 << 5),
    ("zioni", 1 << 5),
    ("ità", 1 << 5),
    ("issimo", 1 << 5),
    ("ció", 1 << 6),
    ("cions", 1 << 6),
    ("ung", 1 << 4),
    ("keit", 1 << 4),
    ("heit", 1 << 4),
    ("lich", 1 << 4),
    ("chen", 1 << 4),
    ("eux", 1 << 2),
    ("euse", 1 << 2),
    ("ais", 1 << 2),
    ("ait", 1 << 2),
    ("ées", 1 << 2),
    ("ée", 1 << 2),
    ("ly", 1),
    ("ness", 1),
];

fn ending_votes(w: &str) -> u16 {
    // bytes before chars: most words are short, and counting chars is not free
    if w.len() < 5 || w.chars().count() < 5 {
        return 0;
    }
    let last = w.as_bytes()[w.len() - 1];
    ENDINGS
        .iter()
        .find(|(e, _)| e.as_bytes().last() == Some(&last) && w.ends_with(e))
        .map_or(0, |(_, m)| *m)
}

/// Marks a [`FOREIGN`] word in the table.
const FOREIGN_BIT: u16 = 1 << 15;

/// FNV-1a: the table's keys are fixed and short, so a simple hash beats SipHash's
/// flood protection, which a table of our own words does not need.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Table = HashMap<&'static str, u16, BuildHasherDefault<Fnv>>;

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table::default();
        for (i, list) in [EN, ES, FR, PT, DE, IT, CA].iter().enumerate() {
            for w in list.split_whitespace() {
                *t.entry(w).or_default() |= 1 << i;
            }
        }
        for w in FOREIGN.split_whitespace() {
            *t.entry(w).or_default() |= FOREIGN_BIT;
        }
        t
    })
}

/// Votes per language (in half points) and how many letters the text has.
#[derive(Debug, Default)]
pub(crate) struct Votes {
    points: [u16; LANGS.len()],
    /// Words that voted for each language (letters aside).
    word_hits: [u16; LANGS.len()],
    /// Words with at least one letter.
    words: u16,
    pub letters: usize,
    /// A function word or a letter of a language without hints was seen.
    pub foreign: bool,
}

impl Votes {
    fn add(&mut self, mask: u16, allowed: u16) {
        let mask = mask & allowed;
        let weight = match mask.count_ones() {
            1 => 2,
            2 => 1,
            _ => 0,
        };
        for (i, p) in self.points.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                *p += weight;
            }
        }
    }

    fn ranked(&self) -> (usize, u16, u16) {
        let mut best = (0usize, 0u16);
        let mut second = 0u16;
        for (i, &p) in self.points.iter().enumerate() {
            if p > best.1 {
                second = best.1;
                best = (i, p);
            } else if p > second {
                second = p;
            }
        }
        (best.0, best.1, second)
    }

    fn add_word(&mut self, mask: u16, allowed: u16) {
        self.add(mask, allowed);
        for (i, hits) in self.word_hits.iter_mut().enumerate() {
            if mask & allowed & (1 << i) != 0 {
                *hits += 1;
            }
        }
    }

    /// A language far enough ahead to skip the trigram detector.
    pub(crate) fn clear_winner(&self) -> Option<&'static str> {
        let (i, best, second) = self.ranked();
        (best >= 4 && best >= 2 * second + 2).then_some(LANGS[i])
    }

    /// A clear winner whose own function words make up a quarter of the text: a language
    /// without hints (Dutch, Romanian…) shares a word or two with ours ("was", "de"),
    /// never that many.
    pub(crate) fn dense_winner(&self) -> Option<&'static str> {
        let code = self.clear_winner()?;
        let i = LANGS.iter().position(|l| *l == code)?;
        (self.words > 0 && self.word_hits[i] * 4 >= self.words).then_some(code)
    }

    /// How many function words of the leading language the text has (0 without a leader).
    pub(crate) fn leader_words(&self) -> u16 {
        self.leader()
            .and_then(|code| LANGS.iter().position(|l| *l == code))
            .map_or(0, |i| self.word_hits[i])
    }

    /// Votes for `code` and the highest count any language has.
    pub(crate) fn points_of(&self, code: &str) -> Option<(u16, u16)> {
        let i = LANGS.iter().position(|l| *l == code)?;
        Some((self.points[i], self.ranked().1))
    }

    /// The language with the most votes, if it is strictly ahead.
    pub(crate) fn leader(&self) -> Option<&'static str> {
        let (i, best, second) = self.ranked();
        (best > second).then_some(LANGS[i])
    }
}

/// Whether a word is a name rather than language: a mention, link or hashtag.
fn is_name(word: &str) -> bool {
    word.starts_with(['@', '#']) || word.starts_with("http") || word.starts_with("www.")
}

/// Count the hints in `text` for the languages in `allowed` (bit mask over `LANGS`).
pub(crate) fn vote(text: &str, allowed: u16) -> Votes {
    let table = table();
    let mut votes = Votes::default();
    let mut buf = String::with_capacity(32);
    for word in text.split_whitespace() {
        if is_name(word) {
            continue;
        }
        buf.clear();
        for c in word.chars() {
            // ASCII first: no ASCII character votes or belongs to another language
            if c.is_ascii() {
                if c.is_ascii_alphabetic() {
                    votes.letters += 1;
                    buf.push(c.to_ascii_lowercase());
                } else if c == '\'' {
                    buf.push('\'');
                }
                continue;
            }
            let lower = c.to_lowercase().next().unwrap_or(c);
            if c.is_alphabetic() {
                votes.letters += 1;
                votes.foreign |= foreign_letter(lower);
                buf.extend(c.to_lowercase());
            } else if c == '’' {
                buf.push('\'');
            }
            let m = letter_votes(lower);
            if m != 0 {
                votes.add(m, allowed);
            }
        }
        let w = buf.trim_matches('\'');
        if w.is_empty() {
            continue;
        }
        votes.words = votes.words.saturating_add(1);
        if let Some(&m) = table.get(w) {
            votes.foreign |= m & FOREIGN_BIT != 0;
            votes.add_word(m & !FOREIGN_BIT, allowed);
        } else if let m @ 1.. = ending_votes(w) {
            votes.add_word(m, allowed);
        } else if let Some((head, _)) = w.split_once('\'') {
            // elision: "c'est" is in the table, "l'attente" votes by its article
            let m = match head {
                "j" | "qu" | "c" => 1 << 2,
                "l" | "d" | "n" | "s" | "m" | "t" => (1 << 2) | (1 << 5) | (1 << 6),
                "dell" | "all" | "nell" | "un" => 1 << 5,
                _ => 0,
            };
            if m != 0 {
                votes.add_word(m, allowed);
            }
        }
    }
    votes
}

/// `text` without mentions, links and hashtags, for the trigram detector.
pub(crate) fn without_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace().filter(|w| !is_name(w)) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}
