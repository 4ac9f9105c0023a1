//! What the wasm size binaries (`src/bin/size-*.rs`) link: a member's path through one library
//! (a KeyPackage, joining by a Welcome, encrypting and decrypting an application message), and
//! the baseline that only moves bytes through the same JavaScript imports. Every input comes
//! from JavaScript, so the optimiser cannot drop any of it; the binaries are never run.

use crate::Failure;
use crate::library::Library;

/// Bytes in from the page and out to it.
pub trait Page {
    /// The next input.
    fn input(&self) -> Vec<u8>;
    /// An output.
    fn output(&self, bytes: &[u8]);
}

/// A newcomer's KeyPackage, its join by the Welcome the page hands in, then one message
/// encrypted and one decrypted.
pub fn member_path<L: Library>(page: &impl Page) -> Result<(), Failure> {
    let (newcomer, key_package) = L::newcomer("size")?;
    page.output(&key_package);
    let mut member = L::join(newcomer, &page.input())?;
    page.output(&L::encrypt(&mut member, &page.input())?);
    page.output(&L::decrypt(&mut member, &page.input())?);
    Ok(())
}

/// The baseline: the same imports, an error path with the same formatting, no MLS.
pub fn baseline(page: &impl Page) -> Result<(), Failure> {
    let input = page.input();
    if input.is_empty() {
        return Err(Failure::new(&format!("empty input: {input:?}")));
    }
    page.output(&input);
    Ok(())
}
