//! Reading the result lines that the `bench` crate prints (natively and from the browser).

use serde_json::Value;

use super::report::MEASURES;

/// Must match `bench::figure::PREFIX`.
pub const PREFIX: &str = "CUTOUT-BENCH ";

/// One figure read back from a result line.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub measure: String,
    pub runtime: String,
    pub unit: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: u64,
}

/// Everything one run produced.
#[derive(Default)]
pub struct Results {
    pub figures: Vec<Figure>,
    pub user_agent: Option<String>,
    pub cross_origin_isolated: bool,
}

impl Results {
    /// Reads every result line in `output`.
    pub fn read(&mut self, output: &str) -> Result<(), String> {
        for line in output.lines() {
            let Some(json) = line.trim().strip_prefix(PREFIX) else {
                continue;
            };
            let v: Value = serde_json::from_str(json)
                .map_err(|e| format!("unreadable result line `{line}`: {e}"))?;
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let number = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
            match v["kind"].as_str() {
                Some("figure") => self.figures.push(Figure {
                    measure: text("measure"),
                    runtime: text("runtime"),
                    unit: text("unit"),
                    median: number("median"),
                    min: number("min"),
                    max: number("max"),
                    samples: v["samples"].as_u64().unwrap_or(0),
                }),
                Some("browser") => {
                    self.user_agent = Some(text("user_agent"));
                    self.cross_origin_isolated = v["cross_origin_isolated"] == true;
                }
                _ => return Err(format!("unknown result line `{line}`")),
            }
        }
        Ok(())
    }

    pub fn get(&self, measure: &str, runtime: &str) -> Option<&Figure> {
        self.figures
            .iter()
            .find(|f| f.measure == measure && f.runtime == runtime)
    }

    /// Every figure the report needs, or which are missing.
    pub fn check_complete(&self) -> Result<(), String> {
        let missing: Vec<String> = MEASURES
            .iter()
            .flat_map(|m| {
                let runtimes: &[&str] = if m.webcrypto {
                    &["native", "wasm", "webcrypto"]
                } else {
                    &["native", "wasm"]
                };
                runtimes.iter().map(move |r| (m.name, *r))
            })
            .filter(|(m, r)| self.get(m, r).is_none_or(|f| !f.median.is_finite()))
            .map(|(m, r)| format!("{m} ({r})"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("no figure for {}", missing.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_figures_and_the_browser() {
        let out = "noise\nCUTOUT-BENCH {\"kind\":\"figure\",\"measure\":\"stream_seal\",\"runtime\":\"wasm\",\"unit\":\"MiB/s\",\"median\":35.0,\"min\":30.0,\"max\":40.0,\"samples\":7,\"batch\":1}\n\
            CUTOUT-BENCH {\"kind\":\"browser\",\"user_agent\":\"HeadlessChrome/1\",\"cross_origin_isolated\":true}\n";
        let mut results = Results::default();
        assert_eq!(results.read(out), Ok(()));
        assert_eq!(
            results.get("stream_seal", "wasm").map(|f| f.median),
            Some(35.0)
        );
        assert_eq!(results.user_agent.as_deref(), Some("HeadlessChrome/1"));
        assert!(results.cross_origin_isolated);
        assert!(results.check_complete().is_err());
        assert!(results.read("CUTOUT-BENCH {\"kind\":\"other\"}").is_err());
    }
}
