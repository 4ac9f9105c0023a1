//! What one `cargo xtask bench protocol` run produced: the result lines of the `bench` crate
//! (whose format that crate owns, in `bench::figure`), gathered from the native binary's and
//! the browser test's output.

use bench::figure::{Browser, Figure, Line, Runtime};

/// Every figure and the browser they were measured in.
#[derive(Default)]
pub struct Results {
    pub figures: Vec<Figure>,
    pub browser: Option<Browser>,
}

impl Results {
    /// Reads every result line in `output`; other lines are the runner's own and are skipped.
    pub fn read(&mut self, output: &str) -> Result<(), String> {
        for text in output.lines() {
            match Line::read(text).map_err(|e| e.to_string())? {
                Some(Line::Figure(figure)) => self.figures.push(figure),
                Some(Line::Browser(browser)) => self.browser = Some(browser),
                None => {}
            }
        }
        Ok(())
    }

    /// The figure of `measure` in `runtime`.
    pub fn get(&self, measure: &str, runtime: Runtime) -> Option<&Figure> {
        self.figures
            .iter()
            .find(|f| f.measure == measure && f.runtime == runtime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_figures_and_the_browser() {
        let out = "noise\nCUTOUT-BENCH {\"kind\":\"figure\",\"measure\":\"stream_seal\",\"runtime\":\"wasm\",\"unit\":\"MiB/s\",\"median\":35.0,\"min\":30.0,\"max\":40.0,\"samples\":7,\"batch\":1}\n\
            CUTOUT-BENCH {\"kind\":\"browser\",\"user_agent\":\"HeadlessChrome/1\",\"cross_origin_isolated\":true,\"webcrypto_ed25519\":true}\n";
        let mut results = Results::default();
        assert_eq!(results.read(out), Ok(()));
        assert_eq!(
            results
                .get("stream_seal", Runtime::Wasm)
                .map(|f| f.summary.median),
            Some(35.0)
        );
        let browser = results.browser.as_ref();
        assert_eq!(
            browser.map(|b| b.user_agent.as_str()),
            Some("HeadlessChrome/1")
        );
        assert!(browser.is_some_and(|b| b.cross_origin_isolated && b.webcrypto_ed25519));
        assert!(results.read("CUTOUT-BENCH {\"kind\":\"other\"}").is_err());
    }
}
