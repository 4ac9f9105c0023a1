//! HTTP routes: the built app, `/healthz`, and the headers every response carries.

use std::convert::Infallible;
use std::path::Path;

use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// All routes of the relay, with rejections turned into plain responses.
pub fn routes(
    dist: &Path,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone + Send + Sync + 'static {
    let healthz = warp::path("healthz")
        .and(warp::path::end())
        .and(warp::get())
        .map(|| "ok");
    let app = warp::get().and(warp::fs::dir(dist.to_path_buf()));

    healthz
        .or(app)
        .recover(rejection)
        // The app is served from hashed file names; index.html must never be cached stale.
        .with(warp::reply::with::header("cache-control", "no-cache"))
        .with(warp::reply::with::header(
            "x-content-type-options",
            "nosniff",
        ))
        // Invite links carry the room secret in the fragment; no referrer may leak the page URL.
        .with(warp::reply::with::header("referrer-policy", "no-referrer"))
}

/// Turns a rejection into a short plain-text answer without echoing request data.
async fn rejection(err: Rejection) -> Result<impl Reply, Infallible> {
    let status = if err.is_not_found() {
        StatusCode::NOT_FOUND
    } else if err.find::<warp::reject::MethodNotAllowed>().is_some() {
        StatusCode::METHOD_NOT_ALLOWED
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(warp::reply::with_status(
        status.canonical_reason().unwrap_or("error"),
        status,
    ))
}
