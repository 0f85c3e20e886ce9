//! The browser's transport: `fetch` (from a page or a worker), `setTimeout`, `Date.now()` and
//! `Math.random()`. The page calls the endpoint directly, so the endpoint must answer the CORS
//! preflight for the page's origin (kinesalite allows any; LocalStack those in its
//! `EXTRA_CORS_ALLOWED_ORIGINS`).

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::sigv4::HttpRequest;
use crate::{HttpResponse, Transport};

/// `fetch` and the timers of the global scope this runs in (a window or a worker).
#[derive(Clone, Debug, Default)]
pub struct FetchTransport;

/// The global scope's function `name` (`fetch`, `setTimeout`).
fn global_function(name: &str) -> Result<Function, String> {
    Reflect::get(&js_sys::global(), &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("this page has no {name}"))
}

/// The message of a JavaScript error (or the value, written out).
fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"))
}

impl Transport for FetchTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let headers = Headers::new().map_err(|e| message(&e))?;
        for (name, value) in &request.headers {
            // The browser writes `host` itself, from the URL (the same value was signed).
            if !name.eq_ignore_ascii_case("host") {
                headers.append(name, value).map_err(|e| message(&e))?;
            }
        }
        let init = RequestInit::new();
        init.set_method(&request.method);
        init.set_headers(&headers);
        let body = Uint8Array::from(request.body.as_slice());
        init.set_body(&body);
        let url = if request.query.is_empty() {
            request.url.clone()
        } else {
            format!("{}?{}", request.url, request.query)
        };
        let fetch_request = Request::new_with_str_and_init(&url, &init).map_err(|e| message(&e))?;
        let fetch = global_function("fetch")?;
        let promise: Promise = fetch
            .call1(&JsValue::UNDEFINED, &fetch_request)
            .map_err(|e| message(&e))?
            .unchecked_into();
        // A rejected fetch: no answer at all (refused, offline, or blocked by CORS).
        let response: Response = JsFuture::from(promise)
            .await
            .map_err(|e| {
                format!(
                    "{} (nothing answered there, or it does not allow this page's origin: CORS)",
                    message(&e)
                )
            })?
            .unchecked_into();
        let bytes = JsFuture::from(response.array_buffer().map_err(|e| message(&e))?)
            .await
            .map_err(|e| message(&e))?;
        Ok(HttpResponse {
            status: response.status(),
            body: Uint8Array::new(&bytes).to_vec(),
        })
    }

    async fn sleep(&self, ms: u64) {
        let Ok(set_timeout) = global_function("setTimeout") else {
            return;
        };
        let wait = Promise::new(&mut |resolve, _| {
            let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from_f64(ms as f64));
        });
        let _ = JsFuture::from(wait).await;
    }

    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}
