//! Generated passphrases (PROTOCOL.md C.1): words drawn uniformly from the EFF large wordlist
//! (7,776 words, by the Electronic Frontier Foundation, CC BY 3.0), so their strength is exact
//! rather than estimated: log2(7776) ≈ 12.9 bits a word.

use crate::entropy::Entropy;

/// How many words the list has.
pub const LIST_LEN: usize = 7776;
/// Words in a generated passphrase unless more are asked for.
pub const DEFAULT_WORDS: usize = 4;

/// The wordlist, in order.
pub fn list() -> &'static [&'static str; LIST_LEN] {
    &diceware_wordlists::EFF_LONG_WORDLIST
}

/// `words` words drawn uniformly and independently, separated by single spaces.
pub fn generate(words: usize, entropy: &mut dyn Entropy) -> String {
    let list = list();
    (0..words)
        .map(|_| list[entropy.below(LIST_LEN as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The exact strength of a generated passphrase of `words` words, in bits.
pub fn bits(words: usize) -> f64 {
    words as f64 * (LIST_LEN as f64).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter: every draw differs, so the words follow the counter through the list.
    struct Counter(u64);

    impl Entropy for Counter {
        fn fill(&mut self, dest: &mut [u8]) {
            self.0 += 1;
            for (i, b) in dest.iter_mut().enumerate() {
                *b = (self.0 >> (8 * (7 - i.min(7)))) as u8;
            }
        }
    }

    #[test]
    fn list_is_the_eff_large_list() {
        let list = list();
        assert_eq!(list.len(), 7776);
        assert_eq!(list[0], "abacus");
        assert_eq!(list[7775], "zoom");
        let mut sorted = list.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), 7776, "no word twice");
        assert!(list.iter().all(|w| !w.is_empty() && !w.contains(' ')));
    }

    #[test]
    fn generates_the_asked_number_of_listed_words() {
        for words in [4, 5, 8] {
            let phrase = generate(words, &mut crate::entropy::SystemEntropy);
            let parts: Vec<&str> = phrase.split(' ').collect();
            assert_eq!(parts.len(), words);
            assert!(parts.iter().all(|w| list().contains(w)), "{phrase}");
        }
        assert_eq!(generate(0, &mut Counter(0)), "");
    }

    #[test]
    fn draws_follow_the_entropy() {
        // Counter values 1, 2, 3, 4 give words 1, 2, 3, 4 of the list.
        let phrase = generate(4, &mut Counter(0));
        let expected: Vec<&str> = (1..=4).map(|i| list()[i]).collect();
        assert_eq!(phrase, expected.join(" "));
    }

    #[test]
    fn four_words_are_about_52_bits() {
        assert!((bits(4) - 51.7).abs() < 0.05);
        assert!((bits(5) - 64.6).abs() < 0.05);
    }
}
