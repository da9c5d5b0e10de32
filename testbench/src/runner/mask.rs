//! The runner's secret masker: values registered with `add-mask` (and each of their lines)
//! are replaced by `***` in every line shown in the log; overlapping or adjacent matches
//! merge into one `***`.

/// The secrets known so far in a job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    /// Registers one value; empty and known values are ignored.
    fn add_value(&mut self, value: &str) {
        if !value.is_empty() && !self.secrets.iter().any(|s| s == value) {
            self.secrets.push(value.to_string());
        }
    }

    /// What `::add-mask::DATA` registers: the data, and each of its lines trimmed.
    pub fn add_mask(&mut self, data: &str) {
        self.add_value(data);
        for line in data.split(['\r', '\n']) {
            self.add_value(line.trim());
        }
    }

    /// The secrets, in the order registered.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// The line with every occurrence of every secret replaced by `***`.
    pub fn mask(&self, line: &str) -> String {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for secret in &self.secrets {
            let mut from = 0;
            while let Some(found) = line[from..].find(secret.as_str()) {
                let start = from + found;
                ranges.push((start, start + secret.len()));
                from = start + line[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        let mut out = String::with_capacity(line.len());
        let mut copied = 0;
        for (start, end) in merged {
            out.push_str(&line[copied..start]);
            out.push_str("***");
            copied = end;
        }
        out.push_str(&line[copied..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Masker;

    #[test]
    fn masks_values_and_their_lines() {
        let mut masker = Masker::default();
        masker.add_mask("first line\n  second  ");
        masker.add_mask("");
        assert_eq!(
            masker.secrets(),
            ["first line\n  second  ", "first line", "second"]
        );
        assert_eq!(masker.mask("a first line b second c"), "a *** b *** c");
    }

    #[test]
    fn merges_overlapping_and_adjacent_matches() {
        let mut masker = Masker::default();
        for secret in ["abc", "bcd", "xy"] {
            masker.add_mask(secret);
        }
        assert_eq!(masker.mask("_abcd_"), "_***_");
        assert_eq!(masker.mask("xyxy"), "***");
        assert_eq!(masker.mask("nothing"), "nothing");
    }
}
