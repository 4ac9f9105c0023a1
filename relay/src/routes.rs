//! HTTP routes: the built app, `/healthz`, `/relay-info`, `/ca.crt`, and the headers every
//! response carries. (`/ws` is routed before these, in [`crate::server`].)

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use warp::http::StatusCode;
use warp::path::FullPath;
use warp::{Filter, Rejection, Reply};

use crate::headers::{Csp, is_hashed_asset};
use crate::info::RelayInfo;

/// Cache-Control of files whose names carry their content hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// All routes of the relay, with rejections turned into plain responses.
pub fn routes(
    dist: &Path,
    info: RelayInfo,
    ca_pem: Option<String>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone + Send + Sync + 'static {
    // HEAD is answered like GET; hyper leaves out the body.
    let read = || warp::get().or(warp::head()).unify();
    let healthz = warp::path("healthz")
        .and(warp::path::end())
        .and(read())
        .map(|| "ok");

    let info = Arc::new(info);
    let relay_info = warp::path("relay-info")
        .and(warp::path::end())
        .and(read())
        .map(move || warp::reply::json(&*info));

    let ca_pem: Option<Arc<str>> = ca_pem.map(Arc::from);
    let ca_crt = warp::path("ca.crt")
        .and(warp::path::end())
        .and(read())
        .and_then(move || {
            let ca_pem = ca_pem.clone();
            async move {
                let pem = ca_pem.ok_or_else(warp::reject::not_found)?;
                let reply = warp::reply::with_header(
                    pem.to_string(),
                    "content-type",
                    "application/x-x509-ca-cert",
                );
                Ok::<_, Rejection>(warp::reply::with_header(
                    reply,
                    "content-disposition",
                    "attachment; filename=\"cutout-ca.crt\"",
                ))
            }
        });

    let csp = Arc::new(Csp::for_dist(dist));
    let app = read()
        .and(warp::path::full())
        .and(warp::header::optional::<String>("host"))
        .and(warp::fs::dir(dist.to_path_buf()))
        .map(move |path: FullPath, host: Option<String>, file| {
            let cache = if is_hashed_asset(path.as_str()) {
                IMMUTABLE
            } else {
                "no-cache"
            };
            let file = warp::reply::with_header(file, "cache-control", cache);
            warp::reply::with_header(file, "content-security-policy", csp.header(host.as_deref()))
        });

    healthz
        .or(relay_info)
        .or(ca_crt)
        .or(app)
        .recover(rejection)
        .with(warp::reply::with::default_header(
            "cache-control",
            "no-cache",
        ))
        .with(warp::reply::with::header(
            "x-content-type-options",
            "nosniff",
        ))
        // Invite links carry the room secret in the fragment; no referrer may leak the page URL.
        .with(warp::reply::with::header("referrer-policy", "no-referrer"))
        .with(warp::reply::with::header(
            "permissions-policy",
            "camera=(self), microphone=()",
        ))
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
