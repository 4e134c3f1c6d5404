//! How well the FAQ matcher answers the labelled visitor questions of `tests/fixtures/faq`
//! (precision and recall per language at `THRESHOLD`, and over a sweep of thresholds to
//! justify it), and how long it takes per message against 200 entries.
//!
//!     cargo run -p frontdesk-core --release --example faq_quality

use std::hint::black_box;
use std::time::Instant;

use frontdesk_core::{evaluate, FaqQuestion, LabelledSet, Matcher, Quality, THRESHOLD};

const LANGS: [&str; 4] = ["en", "km", "vi", "ar"];

fn load(lang: &str) -> LabelledSet {
    let path = format!(
        "{}/../../tests/fixtures/faq/{lang}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn row(name: &str, q: &Quality) {
    println!(
        "| {name} | {:.2} | {:.2} | {} | {} | {} | {} |",
        q.precision, q.recall, q.tp, q.fp, q.fn_, q.positives
    );
}

fn main() {
    let sets: Vec<LabelledSet> = LANGS.iter().map(|l| load(l)).collect();
    // One matcher over every language's entries, as a clinic with visitors in four languages
    // would have: a question can be answered from another language's entries.
    let entries: Vec<FaqQuestion> = sets.iter().flat_map(|s| s.faq_questions()).collect();
    let matcher = Matcher::new(&entries);

    println!("## Quality at THRESHOLD = {THRESHOLD:.2}\n");
    println!("| lang | precision | recall | TP | FP | FN | with an answer |");
    println!("|---|---|---|---|---|---|---|");
    let mut all = Quality::new(0, 0, 0, 0);
    for set in &sets {
        let q = evaluate(&matcher, set, THRESHOLD);
        row(&set.lang, &q);
        all = all + q;
    }
    row("all", &all);

    println!("\n## Sweep: precision / recall\n");
    println!("| threshold | en | km | vi | ar | all |");
    println!("|---|---|---|---|---|---|");
    for t in (20..=90).step_by(5) {
        let threshold = t as f32 / 100.0;
        let mut line = format!("| {threshold:.2} |");
        let mut all = Quality::new(0, 0, 0, 0);
        for set in &sets {
            let q = evaluate(&matcher, set, threshold);
            line += &format!(" {:.2} / {:.2} |", q.precision, q.recall);
            all = all + q;
        }
        println!("{line} {:.2} / {:.2} |", all.precision, all.recall);
    }

    println!("\n## Misses at THRESHOLD\n");
    for set in &sets {
        for q in &set.questions {
            let got = matcher.best(&q.text, Some(&set.lang));
            if got.as_ref().map(|m| &m.id) == q.expect.as_ref().map(|id| set.entry_id(id)).as_ref()
            {
                continue;
            }
            let top = matcher.top(&q.text, Some(&set.lang));
            let top = top.map_or("-".into(), |m| format!("{} {:.2}", m.id, m.score));
            let want = q.expect.as_deref().unwrap_or("none");
            let kind = if got.is_some() { "FP" } else { "FN" };
            println!(
                "- {} {kind} \"{}\": want {want}, top {top}",
                set.lang, q.text
            );
        }
    }

    speed(&sets[0]);
}

/// Time per message against 200 entries of one language (the largest group a message is
/// compared with), the entries made of the English set's words in a fixed pseudo-random order.
fn speed(set: &LabelledSet) {
    let vocabulary: Vec<&str> = set
        .entries
        .iter()
        .flat_map(|e| {
            e.question
                .split_whitespace()
                .chain(e.answer.split_whitespace())
        })
        .collect();
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let mut sentence = |words: usize| {
        (0..words)
            .map(|_| vocabulary[next(vocabulary.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let entries: Vec<FaqQuestion> = (0..200)
        .map(|i| FaqQuestion {
            id: format!("synthetic-{i}"),
            lang: "en".into(),
            question: sentence(7),
            alternates: vec![sentence(6), sentence(5)],
        })
        .collect();
    let started = Instant::now();
    let matcher = Matcher::new(&entries);
    let built = started.elapsed();

    let messages: Vec<&str> = set.questions.iter().map(|q| q.text.as_str()).collect();
    let rounds = 50;
    let started = Instant::now();
    for _ in 0..rounds {
        for m in &messages {
            black_box(matcher.top(black_box(m), Some("en")));
        }
    }
    let per = started.elapsed() / (rounds * messages.len()) as u32;
    println!(
        "\n## Speed\n\n200 entries (3 phrasings each) prepared in {built:.2?}; \
         one message against them: {per:.2?} (mean of {} messages).",
        rounds * messages.len()
    );
}
