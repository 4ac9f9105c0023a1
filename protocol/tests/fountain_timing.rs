#![allow(clippy::unwrap_used, missing_docs)]
mod common;
use protocol::fountain::{FountainDecoder, FountainEncoder};
#[test]
fn timing() {
    let data: Vec<u8> = (0..262_144u32).map(|i| (i * 7 % 251) as u8).collect();
    let t = std::time::Instant::now();
    let enc = FountainEncoder::new(&data, 512).unwrap();
    println!("new {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let frames: Vec<_> = (0..800).map(|e| enc.frame(e)).collect();
    println!("frames {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let mut dec = FountainDecoder::default();
    let mut n = 0;
    for (i, f) in frames.iter().enumerate() {
        if i % 5 == 0 { continue; }
        n += 1;
        let r = dec.push(f).unwrap();
        if matches!(r, protocol::fountain::FountainProgress::Complete(_)) { break; }
    }
    println!("decode {:?} after {n}", t.elapsed());
}
