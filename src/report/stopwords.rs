//! Function words per language, so "que", "est", "nicht" never rank as recurring problems.
//! Only words of three letters or more matter (shorter ones are dropped before). Small
//! hand-kept lists of articles, pronouns, prepositions, conjunctions, auxiliaries and
//! fillers; content words ("mal", "frío", "froid") are deliberately absent.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A word list. Reports look up every word of weeks of text: foldhash is several times
/// faster than the standard hasher on short words (the lists are fixed, nothing to flood).
type Set = foldhash::HashSet<&'static str>;

const EN: &str = "the and for you your are was but not this that with have has had its it's our out all any can get got just from they them there what when who why how about again been did does don't didn't still very too one now here some than then would could should will also into more only over were which while their because even after before today yesterday really i'm i've can't won't isn't you're we're they're she he her his him she's he's let's off yet";

const ES: &str = "que los las del por con una uno unos unas para pero como más mas muy hoy ayer sin les este esta esto estos estas ese esa eso esos esas está están estoy estaba era son ser sido fue han has hay había hemos tengo tiene tienen tenía nos nuestro nuestra vuestro vuestra sus suyo mis tus qué cómo cuándo dónde quien quién cual cuál porque pues cuando donde desde hasta entre sobre también tampoco todo toda todos todas otro otra otros otras algo alguien nada nadie ahora aquí allí así solo sólo vez veces mucho mucha muchos muchas poco poca hace hacer hecho voy vas van vamos ella ellos ellas usted ustedes mío mía tuyo tuya ya aún todavía bien mismo misma sea tan tras según contra durante mientras aunque entonces luego además casi siempre nunca";

const FR: &str = "les des est pas une que qui quoi dans pour par sur avec sans sont suis êtes sommes était été être avoir avons avez ont fait faire mon ton son mes tes ses notre votre nos vos leur leurs cette ces cet elle elles ils nous vous lui moi toi eux mais donc car comme aussi très plus moins tout tous toute toutes rien personne encore déjà ici là aujourd'hui hier c'est n'est j'ai qu'il qu'on quand comment pourquoi où alors bien peu même chez vers depuis pendant entre avant après sous une aux ceux celle celui quel quelle quels quelles dont ça cela ceci";

const PT: &str = "que não uma uns umas para por com sem dos das nos nas pelo pela pelos pelas mas mais muito muita muitos muitas hoje ontem este esta isto estes estas esse essa isso esses essas aquele aquela aquilo está estão estou estava era são ser sido foi foram tem têm tenho tinha ter há havia meu minha meus minhas seu sua seus suas nosso nossa você vocês ele ela eles elas quem qual quais quando onde como porque pois também tudo todo toda todos todas outro outra nada ainda aqui ali assim só sempre nunca já até entre sobre depois antes mesmo mesma então bem vou vai vamos";

const DE: &str = "der die das den dem des ein eine einen einem einer eines und oder aber nicht kein keine keinen ist sind war waren bin bist sein seid hat haben hatte hatten habe wird werden wurde wurden ich du er sie es wir ihr mich dich sich uns euch mir dir ihm ihn ihnen mein meine dein deine sein seine unser unsere euer eure mit von für auf aus bei nach seit vor über unter durch gegen ohne zum zur vom beim auch noch schon nur sehr mehr wie was wer wann warum wo dass weil wenn als ob doch mal heute gestern hier dort jetzt immer wieder alle alles diese dieser dieses jeder jede man kann können muss müssen soll will wollte gibt";

const IT: &str = "che non una uno per con del della dei delle degli dal dalla dai nel nella nei nelle sul sulla sui sono sei siamo siete era erano stato stata essere avere hanno abbiamo avete ho hai questo questa questi queste quello quella quelli quelle mio mia miei mie tuo tua suo sua nostro nostra vostro loro lui lei noi voi chi cosa come quando dove perché anche ancora già più meno molto molta molti molte poco tutto tutta tutti tutte niente nulla qui qua oggi ieri ma però quindi allora bene sempre mai dopo prima tra fra senza sopra sotto fino verso stesso stessa fatto fare";

const CA: &str = "que els les del dels per amb una uns unes però com més molt molta molts moltes avui ahir sense aquest aquesta aquests aquestes això aquell aquella allò està estan estic estava era són ser estat han has hem heu tinc tens tenim teniu tenia nos nosaltres vosaltres ells elles ell ella meu meva meus meves teu teva seu seva seus seves nostre nostra vostre vostra qui què quan quin quina quins quines perquè doncs també tampoc tot tota tots totes altre altra res ningú ara aquí allà així només vegada sempre mai fins entre sobre després abans mateix mateixa bé vaig vas van anem hi ha";

/// The lists by ISO 639-1 code.
fn lists() -> &'static HashMap<&'static str, Set> {
    static LISTS: OnceLock<HashMap<&'static str, Set>> = OnceLock::new();
    LISTS.get_or_init(|| {
        [
            ("en", EN),
            ("es", ES),
            ("fr", FR),
            ("pt", PT),
            ("de", DE),
            ("it", IT),
            ("ca", CA),
        ]
        .into_iter()
        .map(|(code, words)| (code, words.split_whitespace().collect()))
        .collect()
    })
}

/// Every list together: for items of unknown language.
fn union() -> &'static Set {
    static ALL: OnceLock<Set> = OnceLock::new();
    ALL.get_or_init(|| lists().values().flatten().copied().collect())
}

/// Whether `word` (lower case) is a function word in `lang`, or in English: posts
/// switch to English for brand and product words, and English function words are never
/// a problem. An unknown language (`None`, or one without a list) checks every list.
pub fn is_stopword(word: &str, lang: Option<&str>) -> bool {
    Stopwords::of(lang).contains(word)
}

/// [`is_stopword`] for one language, its lists found once for all the words of a text.
#[derive(Debug, Clone, Copy)]
pub struct Stopwords {
    list: &'static Set,
    /// English too, unless `list` is English (or every list).
    english: Option<&'static Set>,
}

impl Stopwords {
    pub fn of(lang: Option<&str>) -> Stopwords {
        let lists = lists();
        match lang.and_then(|l| lists.get_key_value(l)) {
            Some((code, list)) => Stopwords {
                list,
                english: (*code != "en").then(|| &lists["en"]),
            },
            None => Stopwords {
                list: union(),
                english: None,
            },
        }
    }

    pub fn contains(&self, word: &str) -> bool {
        self.list.contains(word) || self.english.is_some_and(|en| en.contains(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_drops_its_own_function_words_only() {
        assert!(is_stopword("que", Some("es")));
        assert!(is_stopword("nicht", Some("de")));
        assert!(is_stopword("the", Some("fr")), "English everywhere");
        // "car" is French for "because", an English noun.
        assert!(is_stopword("car", Some("fr")));
        assert!(!is_stopword("car", Some("en")));
        assert!(!is_stopword("fiebre", Some("es")));
        assert!(is_stopword("perquè", None), "unknown language: every list");
    }
}
