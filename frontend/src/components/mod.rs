//! Presentational pieces shared by screens.

pub mod scan_panel;
