//! Ending Web Workers safely.

/// Ends a Web Worker, first detaching its handlers: a message or error event already queued must
/// not reach a handler the caller is about to free ("closure invoked after being dropped").
pub fn end_worker(worker: &web_sys::Worker) {
    worker.set_onmessage(None);
    worker.set_onerror(None);
    worker.terminate();
}
