//! The printed result: one Markdown table (`measurement | Embargo | ceiling | ratio`),
//! the machine and commit above it, errors and every repetition's figures below it.

/// One line of the table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub measurement: String,
    pub embargo: String,
    pub ceiling: String,
    pub ratio: String,
    /// The repetitions' figures, for the details below the table.
    pub runs: String,
    /// Errors seen while measuring (wrong answers, failed requests); a row with any is
    /// marked in the table.
    pub errors: Vec<String>,
}

/// Everything a run prints.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Lines above the table (machine, commit, load, settings).
    pub about: Vec<String>,
    pub rows: Vec<Row>,
    /// Extra sections, e.g. `scripts/bench-cvss`'s own table: (title, Markdown).
    pub sections: Vec<(String, String)>,
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.rows.iter().any(|r| !r.errors.is_empty())
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.about {
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        out.push_str("| measurement | Embargo | ceiling | ratio |\n|---|---|---|---|\n");
        for r in &self.rows {
            let embargo = if r.errors.is_empty() {
                r.embargo.clone()
            } else {
                format!("{} — **with errors (see below)**", r.embargo)
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&r.measurement),
                cell(&embargo),
                cell(&r.ceiling),
                cell(&r.ratio)
            ));
        }
        if self.has_errors() {
            out.push_str("\n**This run had errors; its figures are not to be trusted:**\n\n");
            for r in self.rows.iter().filter(|r| !r.errors.is_empty()) {
                for e in &r.errors {
                    out.push_str(&format!("- {}: {}\n", r.measurement, e));
                }
            }
        }
        let details: Vec<&Row> = self.rows.iter().filter(|r| !r.runs.is_empty()).collect();
        if !details.is_empty() {
            out.push_str("\nEach repetition, in the order run:\n\n");
            for r in details {
                out.push_str(&format!("- {}: {}\n", r.measurement, r.runs));
            }
        }
        for (title, body) in &self.sections {
            out.push_str(&format!("\n{title}\n\n{}\n", body.trim_end()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_errors_are_marked_and_listed() {
        let report = Report {
            about: vec!["Machine: 2 cores".into()],
            rows: vec![
                Row {
                    measurement: "GET one case, SQLite".into(),
                    embargo: "1,386 req/s".into(),
                    ceiling: "27.0k req/s".into(),
                    ratio: "0.05".into(),
                    runs: "1,380 / 1,386 / 1,390".into(),
                    errors: vec![],
                },
                Row {
                    measurement: "intake | SQLite".into(),
                    embargo: "491 req/s".into(),
                    ceiling: "992/s".into(),
                    ratio: "0.49".into(),
                    runs: String::new(),
                    errors: vec!["12 answers were 429".into()],
                },
            ],
            sections: vec![],
        };
        let text = report.render();
        assert!(text.contains("| GET one case, SQLite | 1,386 req/s | 27.0k req/s | 0.05 |"));
        assert!(text.contains("| intake \\| SQLite | 491 req/s — **with errors (see below)** |"));
        assert!(text.contains("- intake | SQLite: 12 answers were 429"));
        assert!(text.contains("- GET one case, SQLite: 1,380 / 1,386 / 1,390"));
        assert!(report.has_errors());
    }
}
