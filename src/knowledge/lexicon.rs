//! The lexicon (`knowledge/lexicon.toml`): what the words of a question refer to.
//!
//! Entities (people, countries, organisations, places, topics) with the other ways people
//! name them (abbreviations, nicknames, descriptive references such as 白宫主人), fields
//! that stand for several points at once (军事 → 无人机, 停火 …), an English glossary
//! read through a stemmer, and the details people ask for that an answer either gives or
//! not (an age, a venue, a result). Every target is a word of the article, checked at
//! load with the file and line, so the lexicon can never point at something the bot does
//! not know.

use serde::Deserialize;
use toml::Spanned;

use super::error::{Problem, line_of};
use super::raw::Alias;

const LEXICON_FILE: &str = "lexicon.toml";

/// What kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A person, or the two presidents together.
    Person,
    /// A country or a side (俄方).
    Country,
    /// An organisation, a government body or a medium.
    Organisation,
    /// A city, a region, a sea.
    Place,
    /// A subject of the call (冰球, 停火).
    Topic,
}

/// Something questions name, as the article names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconEntity {
    /// The name as the article writes it (普京).
    pub name: Spanned<String>,
    /// What kind of thing it is.
    pub kind: EntityKind,
    /// Other ways of naming it: abbreviations, nicknames, descriptive references.
    #[serde(default)]
    pub variants: Vec<String>,
    /// English words for it (compared after stemming).
    #[serde(default)]
    pub english: Vec<String>,
}

/// A word and the other ways people say it (synonyms, slang, English).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconWord {
    /// The word as the article writes it.
    pub word: Spanned<String>,
    /// Synonyms and slang.
    #[serde(default)]
    pub variants: Vec<String>,
    /// English words for it (compared after stemming).
    #[serde(default)]
    pub english: Vec<String>,
}

/// A field people ask about (军事方面) that stands for the points under it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The field's word in questions (军事).
    pub name: String,
    /// Other words for the field.
    #[serde(default)]
    pub variants: Vec<String>,
    /// The article's words for the points under it.
    pub covers: Spanned<Vec<String>>,
}

/// A detail people ask for that an answer gives only if it says so (an age, a venue).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detail {
    /// The detail's name in replies (年龄, 举办地点).
    pub name: String,
    /// Words of a question that ask for it (多大, 几岁).
    pub asks: Vec<String>,
    /// Words an answer has when it gives it (岁); none means the article never gives it.
    #[serde(default)]
    pub given_by: Vec<String>,
}

/// A title someone holds (英国首相 → 斯塔默): the title after any of the country's names
/// refers to the person the article names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The entity the title refers to, as the lexicon names it (斯塔默).
    pub person: Spanned<String>,
    /// The names of the country the title belongs to (英国, 英).
    pub countries: Vec<String>,
    /// The offices (首相, 政府首脑).
    pub titles: Vec<String>,
    /// Words that refer to the person after the country's name but name no office (领导人).
    #[serde(default)]
    pub informal: Vec<String>,
    /// Titles that name the person even without a country (国务卿 is only ever 鲁比奥).
    #[serde(default)]
    pub alone: Vec<String>,
}

impl Role {
    /// The ways of naming the person through the role: 英国首相, 英国的首相, 英国现任首相 …
    fn references(&self) -> Vec<String> {
        let mut references = self.alone.clone();
        for country in &self.countries {
            for title in self.titles.iter().chain(&self.informal) {
                for link in ["", "的", "现任", "的现任", "那位", "的那位", "这位", "现在的"] {
                    references.push(format!("{country}{link}{title}"));
                }
            }
        }
        references
    }
}

/// `lexicon.toml`, parsed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// The entities.
    #[serde(default)]
    pub entity: Vec<LexiconEntity>,
    /// Synonyms and slang for ordinary words.
    #[serde(default)]
    pub word: Vec<LexiconWord>,
    /// Fields that stand for several points.
    #[serde(default)]
    pub field: Vec<Field>,
    /// Details that answers give or not.
    #[serde(default)]
    pub detail: Vec<Detail>,
    /// Titles and the people who hold them.
    #[serde(default)]
    pub role: Vec<Role>,
    /// English words that carry no meaning for matching (the, did, about).
    #[serde(default)]
    pub english_stopwords: Vec<String>,
    /// English words that, opening a question, make it ask yes or no (did, is).
    #[serde(default)]
    pub english_yes_no: Vec<String>,
}

impl Lexicon {
    /// Parses the lexicon and checks that every target occurs in the article text.
    pub fn parse(text: &str, article_text: &str, problems: &mut Vec<Problem>) -> Self {
        let lexicon: Self = match toml::from_str(text) {
            Ok(lexicon) => lexicon,
            Err(err) => {
                problems.push(Problem {
                    file: LEXICON_FILE.to_owned(),
                    line: err.span().map(|span| line_of(text, span.start)),
                    entry: None,
                    message: err.message().to_owned(),
                });
                return Self::default();
            }
        };
        for role in &lexicon.role {
            if !lexicon.entity.iter().any(|e| e.name.get_ref() == role.person.get_ref()) {
                problems.push(Problem {
                    file: LEXICON_FILE.to_owned(),
                    line: Some(line_of(text, role.person.span().start)),
                    entry: None,
                    message: format!("role of `{}`: not an entity of the lexicon", role.person.get_ref()),
                });
            }
        }
        let mut missing = |target: &str, span: std::ops::Range<usize>| {
            if !article_text.contains(target) {
                problems.push(Problem {
                    file: LEXICON_FILE.to_owned(),
                    line: Some(line_of(text, span.start)),
                    entry: None,
                    message: format!(
                        "`{target}` does not occur in the article: a target must be the article's word"
                    ),
                });
            }
        };
        for entity in &lexicon.entity {
            missing(entity.name.get_ref(), entity.name.span());
        }
        for word in &lexicon.word {
            missing(word.word.get_ref(), word.word.span());
        }
        for field in &lexicon.field {
            for cover in field.covers.get_ref() {
                missing(cover, field.covers.span());
            }
        }
        lexicon
    }

    /// The entities', words', fields' and roles' variants as aliases, for normalisation.
    pub fn aliases(&self) -> Vec<Alias> {
        let roles: Vec<(&String, Vec<String>)> =
            self.role.iter().map(|r| (r.person.get_ref(), r.references())).collect();
        let entities = self.entity.iter().map(|e| (e.name.get_ref(), e.variants.clone()));
        let words = self.word.iter().map(|w| (w.word.get_ref(), w.variants.clone()));
        let fields = self.field.iter().map(|f| (&f.name, f.variants.clone()));
        entities
            .chain(words)
            .chain(fields)
            .chain(roles)
            .filter(|(_, variants)| !variants.is_empty())
            .map(|(word, variants)| Alias { word: word.clone(), variants, name: false })
            .collect()
    }

    /// Every title of a role (国防部长, 首相): left in a question after the roles' references
    /// are replaced, with a country before it, it names someone the article does not.
    pub fn titles(&self) -> impl Iterator<Item = &str> {
        self.role.iter().flat_map(|r| r.titles.iter().map(String::as_str))
    }

    /// Every English word with the article's word it stands for.
    pub fn english(&self) -> impl Iterator<Item = (&str, &str)> {
        let entities = self.entity.iter().map(|e| (e.name.get_ref(), &e.english));
        let words = self.word.iter().map(|w| (w.word.get_ref(), &w.english));
        entities
            .chain(words)
            .flat_map(|(target, english)| english.iter().map(move |e| (e.as_str(), target.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_missing_from_the_article_is_refused_with_its_line() {
        let text = "[[entity]]\nname = \"普京\"\nkind = \"person\"\n\n[[entity]]\nname = \"拜登\"\nkind = \"person\"\n";
        let mut problems = Vec::new();
        Lexicon::parse(text, "普京同特朗普通电话", &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, Some(6));
        assert!(
            problems[0].message.contains("`拜登` does not occur in the article"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn variants_become_aliases_and_english_words_keep_their_target() {
        let text = "[[entity]]\nname = \"普京\"\nkind = \"person\"\nvariants = [\"普总\"]\nenglish = [\"putin\"]\n\n[[field]]\nname = \"体育\"\nvariants = [\"体育方面\"]\ncovers = [\"冰球\"]\n";
        let mut problems = Vec::new();
        let lexicon = Lexicon::parse(text, "普京 冰球", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let aliases: Vec<(String, Vec<String>)> =
            lexicon.aliases().into_iter().map(|a| (a.word, a.variants)).collect();
        assert_eq!(
            aliases,
            [("普京".to_owned(), vec!["普总".to_owned()]), ("体育".to_owned(), vec!["体育方面".to_owned()])]
        );
        assert_eq!(lexicon.english().collect::<Vec<_>>(), [("putin", "普京")]);
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let mut problems = Vec::new();
        Lexicon::parse(
            "[[entity]]\nname = \"普京\"\nkind = \"person\"\nnickname = \"x\"\n",
            "普京",
            &mut problems,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "lexicon.toml");
    }

    #[test]
    fn a_role_names_its_person_after_the_country_and_must_name_an_entity() {
        let text = "[[entity]]\nname = \"斯塔默\"\nkind = \"person\"\n\n[[role]]\nperson = \"斯塔默\"\ncountries = [\"英国\"]\ntitles = [\"首相\"]\n\n[[role]]\nperson = \"拜登\"\ncountries = [\"美国\"]\ntitles = [\"总统\"]\n";
        let mut problems = Vec::new();
        let lexicon = Lexicon::parse(text, "斯塔默", &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, Some(11));
        let aliases = lexicon.aliases();
        let starmer = aliases.iter().find(|a| a.word == "斯塔默").expect("the role's references");
        assert!(
            ["英国首相", "英国的首相", "英国现任首相"]
                .iter()
                .all(|r| starmer.variants.iter().any(|v| v == r))
        );
        assert_eq!(lexicon.titles().collect::<Vec<_>>(), ["首相", "总统"]);
    }
}
