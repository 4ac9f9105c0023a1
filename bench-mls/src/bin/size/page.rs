//! The JavaScript side of the size binaries: two imported functions, which the binaries never
//! call in a page (they are only measured).

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = globalThis, js_name = cutoutInput)]
    fn input() -> Vec<u8>;
    #[wasm_bindgen(js_namespace = globalThis, js_name = cutoutOutput)]
    fn output(bytes: &[u8]);
    #[wasm_bindgen(js_namespace = globalThis, js_name = cutoutError)]
    fn error(text: &str);
}

/// The page, through the imports.
pub(crate) struct Js;

impl bench_mls::size::Page for Js {
    fn input(&self) -> Vec<u8> {
        input()
    }

    fn output(&self, bytes: &[u8]) {
        output(bytes)
    }
}

/// Reports a failure to the page.
pub(crate) fn report(result: Result<(), bench_mls::Failure>) {
    if let Err(e) = result {
        error(&e.to_string());
    }
}
