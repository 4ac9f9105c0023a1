//! A worker started on first use and kept while the screen that uses it lives (words and
//! strength estimates while composing); sealing and opening get a worker each instead.

use std::rc::Rc;

use leptos::prelude::*;

use crate::offline::worker::{Failure, Kind, OfflineWorker};

/// A worker started on first use and kept while the component lives.
#[derive(Clone, Copy)]
pub struct LazyWorker {
    kind: Kind,
    worker: StoredValue<Option<Rc<OfflineWorker>>, LocalStorage>,
}

impl LazyWorker {
    /// No worker yet; one of `kind` starts on first use.
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            worker: StoredValue::new_local(None),
        }
    }

    /// The worker, started if need be. The component may be gone by the time it has
    /// started: the worker is then dropped (ended) with the caller's task.
    pub async fn get(self) -> Result<Rc<OfflineWorker>, Failure> {
        if let Some(worker) = self.worker.try_get_value().flatten() {
            return Ok(worker);
        }
        let worker = Rc::new(OfflineWorker::start(self.kind).await?);
        // Two callers may have started one each: keep the first.
        Ok(match self.worker.try_get_value() {
            Some(Some(kept)) => kept,
            Some(None) => {
                let _ = self.worker.try_set_value(Some(worker.clone()));
                worker
            }
            None => worker,
        })
    }
}
