//! The learned part of the matcher: a multinomial logistic regression that gives, for a
//! question, the probability of each entry and of "out of scope".
//!
//! **What it sees.** A question's features are binary, scaled to unit length: its
//! character 1–3-grams (after normalisation, so 川普 and 特朗普, 談判 and 谈判 are one),
//! its jieba words, the lexicon's entities it names (every variant of an entity is one
//! feature), and the facet it asks for. These are the features Rasa's
//! CountVectorsFeaturizer (words and `char_wb` n-grams) feeds its classifiers.
//!
//! **What it learns from.** Every phrasing of every entry, labelled with its entry, and
//! the labelled examples of `knowledge/examples/` (a question and its entry, or
//! `out_of_scope`). An editor who adds examples changes what it learns; no code changes.
//!
//! **How.** Stochastic gradient descent on the cross-entropy with L2 regularisation and
//! per-weight AdaGrad steps, over the examples in an order fixed by a seeded generator:
//! the same data always gives the same weights. Only the weights of a question's own
//! features change on each step, which is what keeps training sparse and quick.
//!
//! No crate fits: linfa-logistic and smartcore take dense matrices, and the features
//! here are tens of thousands of columns with some fifty set in each row; this is the
//! sparse form of the same model in a hundred lines.

use std::collections::HashMap;

/// How training proceeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Training {
    /// Passes over the examples.
    pub epochs: usize,
    /// AdaGrad's base step.
    pub step: f32,
    /// The L2 penalty on the weights.
    pub l2: f32,
}

impl Default for Training {
    fn default() -> Self {
        Self { epochs: 12, step: 0.4, l2: 1e-5 }
    }
}

/// A question as the model sees it: the indices of its features in the vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureSet(Vec<u32>);

/// The trained model: one weight per (feature, class), and a bias per class.
#[derive(Debug, Clone)]
pub struct Model {
    vocabulary: HashMap<String, u32>,
    names: Vec<String>,
    classes: usize,
    /// Feature-major: the weights of feature `f` are `weights[f * classes..][..classes]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Model {
    /// Trains a model on `examples` (a question's feature names and its class, below
    /// `classes`).
    pub fn train(examples: &[(Vec<String>, usize)], classes: usize, training: Training) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut names = Vec::new();
        let rows: Vec<(Vec<u32>, usize)> = examples
            .iter()
            .map(|(features, class)| {
                let mut row: Vec<u32> = features
                    .iter()
                    .map(|name| {
                        *vocabulary.entry(name.clone()).or_insert_with(|| {
                            names.push(name.clone());
                            (names.len() - 1) as u32
                        })
                    })
                    .collect();
                row.sort_unstable();
                row.dedup();
                (row, *class)
            })
            .collect();
        let weights = vec![0.0; names.len() * classes];
        let mut model = Self { vocabulary, names, classes, weights, bias: vec![0.0; classes] };
        model.fit(&rows, training);
        model
    }

    fn fit(&mut self, rows: &[(Vec<u32>, usize)], training: Training) {
        let classes = self.classes;
        let mut squared = vec![1e-6_f32; self.weights.len()];
        let mut bias_squared = vec![1e-6_f32; classes];
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut random = SplitMix(0x5eed_ca11_b0f7);
        let mut gradient = vec![0.0_f32; classes];
        for _ in 0..training.epochs {
            random.shuffle(&mut order);
            for &i in &order {
                let (row, class) = &rows[i];
                if row.is_empty() {
                    continue;
                }
                let value = 1.0 / (row.len() as f32).sqrt();
                self.probabilities_into(row, value, &mut gradient);
                gradient[*class] -= 1.0;
                for &feature in row {
                    let start = feature as usize * classes;
                    let weights = &mut self.weights[start..start + classes];
                    let squared = &mut squared[start..start + classes];
                    for ((w, s), g) in weights.iter_mut().zip(squared.iter_mut()).zip(&gradient) {
                        let step = g * value + training.l2 * *w;
                        *s += step * step;
                        *w -= training.step * step / s.sqrt();
                    }
                }
                for ((b, s), g) in self.bias.iter_mut().zip(bias_squared.iter_mut()).zip(&gradient) {
                    *s += g * g;
                    *b -= training.step * g / s.sqrt();
                }
            }
        }
    }

    /// The features of a question that the model knows (others were never seen in training).
    pub fn features(&self, names: &[String]) -> FeatureSet {
        let mut known: Vec<u32> = names.iter().filter_map(|n| self.vocabulary.get(n).copied()).collect();
        known.sort_unstable();
        known.dedup();
        FeatureSet(known)
    }

    /// Each class's probability for a question, summing to 1.
    pub fn probabilities(&self, features: &FeatureSet) -> Vec<f64> {
        let mut out = vec![0.0_f32; self.classes];
        let value = if features.0.is_empty() { 0.0 } else { 1.0 / (features.0.len() as f32).sqrt() };
        self.probabilities_into(&features.0, value, &mut out);
        out.into_iter().map(f64::from).collect()
    }

    fn probabilities_into(&self, row: &[u32], value: f32, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for &feature in row {
            let start = feature as usize * self.classes;
            for (o, w) in out.iter_mut().zip(&self.weights[start..start + self.classes]) {
                *o += w * value;
            }
        }
        let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut total = 0.0;
        for o in out.iter_mut() {
            *o = (*o - max).exp();
            total += *o;
        }
        for o in out.iter_mut() {
            *o /= total;
        }
    }

    /// The features that most raise a class's score for a question, strongest first
    /// (shown by `--explain`).
    pub fn reasons(&self, features: &FeatureSet, class: usize, count: usize) -> Vec<(String, f64)> {
        let value = if features.0.is_empty() { 0.0 } else { 1.0 / (features.0.len() as f64).sqrt() };
        let mut reasons: Vec<(String, f64)> = features
            .0
            .iter()
            .map(|&f| {
                let weight = self.weights[f as usize * self.classes + class];
                (self.names[f as usize].clone(), f64::from(weight) * value)
            })
            .collect();
        reasons.sort_by(|a, b| b.1.total_cmp(&a.1));
        reasons.truncate(count);
        reasons
    }

    /// The model in a compact binary form, for [`Model::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let stored = Stored {
            names: self.names.clone(),
            classes: self.classes,
            weights: self.weights.clone(),
            bias: self.bias.clone(),
        };
        postcard::to_stdvec(&stored).unwrap_or_default()
    }

    /// A model written by [`Model::to_bytes`], or `None` when the bytes are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let stored: Stored = postcard::from_bytes(bytes).ok()?;
        let consistent = stored.bias.len() == stored.classes
            && stored.weights.len() == stored.names.len() * stored.classes;
        if !consistent {
            return None;
        }
        let vocabulary = stored.names.iter().enumerate().map(|(i, n)| (n.clone(), i as u32)).collect();
        Some(Self {
            vocabulary,
            names: stored.names,
            classes: stored.classes,
            weights: stored.weights,
            bias: stored.bias,
        })
    }

    /// How many features the model knows.
    pub fn vocabulary_size(&self) -> usize {
        self.names.len()
    }
}

/// What [`Model::to_bytes`] writes: the vocabulary is rebuilt from the names.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    names: Vec<String>,
    classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// A small deterministic generator (SplitMix64) for the order of training examples.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The feature names of a question: character 1–3-grams of its normalised text, its
/// words, the entities it names and the facet it asks for.
pub fn feature_names<'a>(
    normalized: &str,
    words: impl IntoIterator<Item = &'a str>,
    entities: impl IntoIterator<Item = &'a str>,
    facet: impl std::fmt::Debug,
) -> Vec<String> {
    let chars: Vec<char> = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    let mut names = Vec::with_capacity(chars.len() * 3 + 16);
    for n in 1..=3 {
        for window in chars.windows(n) {
            let mut name = String::with_capacity(1 + 4 * n);
            name.push('c');
            name.extend(window);
            names.push(name);
        }
    }
    names.extend(words.into_iter().map(|w| format!("w{w}")));
    names.extend(entities.into_iter().map(|e| format!("e{e}")));
    names.push(format!("f{facet:?}"));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str, class: usize) -> (Vec<String>, usize) {
        (feature_names(text, text.split(' '), [], "What"), class)
    }

    fn toy() -> Vec<(Vec<String>, usize)> {
        vec![
            example("冰球 比赛", 0),
            example("冰球 谁 赢", 0),
            example("打 冰球", 0),
            example("换俘 多少", 1),
            example("交换 俘虏", 1),
            example("换俘 哪天", 1),
            example("天气 怎么样", 2),
            example("讲个 笑话", 2),
        ]
    }

    #[test]
    fn learns_the_classes_of_its_examples() {
        let model = Model::train(&toy(), 3, Training::default());
        for (names, class) in toy() {
            let p = model.probabilities(&model.features(&names));
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, class, "{names:?}: {p:?}");
        }
    }

    #[test]
    fn an_unseen_sentence_with_a_learned_word_goes_to_its_class() {
        let model = Model::train(&toy(), 3, Training::default());
        let names = feature_names("冰球 那条", ["冰球", "那条"], [], "What");
        let p = model.probabilities(&model.features(&names));
        assert!(p[0] > p[1] && p[0] > p[2], "{p:?}");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_same_data_gives_the_same_weights() {
        let a = Model::train(&toy(), 3, Training::default());
        let b = Model::train(&toy(), 3, Training::default());
        assert_eq!(a.weights, b.weights);
        assert_eq!(a.bias, b.bias);
    }

    #[test]
    fn a_model_read_back_from_its_bytes_gives_the_same_probabilities() {
        let model = Model::train(&toy(), 3, Training::default());
        let read = Model::from_bytes(&model.to_bytes()).expect("the bytes are a model");
        let names = feature_names("冰球 那条", ["冰球", "那条"], [], "What");
        assert_eq!(model.probabilities(&model.features(&names)), read.probabilities(&read.features(&names)));
        assert!(Model::from_bytes(b"not a model").is_none());
    }

    #[test]
    fn a_question_with_no_known_feature_gets_the_prior() {
        let model = Model::train(&toy(), 3, Training::default());
        let p = model.probabilities(&model.features(&["c鬼".to_owned()]));
        assert!(p.iter().all(|&x| x > 0.0 && x < 1.0), "{p:?}");
    }
}
