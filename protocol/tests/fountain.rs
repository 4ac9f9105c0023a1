//! Fountain frames (PROTOCOL.md C.3): reconstruction under 20 % loss, overhead bounds, and
//! rejection of foreign, malformed and corrupted frames.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::fountain::{
    FountainDecoder, FountainEncoder, FountainError, FountainProgress, msg_id,
};

fn blob(len: usize, seed: u64) -> Vec<u8> {
    let mut entropy = SeededEntropy::new(seed);
    (0..len).map(|_| entropy.next_u64() as u8).collect()
}

/// Sends frames in ESI order, losing each with probability `loss_percent`; returns how many
/// distinct frames the receiver took before it had the blob.
fn run(
    encoder: &FountainEncoder,
    expected: &[u8],
    loss_percent: u64,
    entropy: &mut SeededEntropy,
) -> usize {
    let mut decoder = FountainDecoder::default();
    let mut distinct = 0;
    for esi in 0.. {
        let frame = encoder.frame(esi);
        if entropy.next_u64() % 100 < loss_percent {
            continue;
        }
        distinct += 1;
        match decoder.push(&frame).unwrap() {
            FountainProgress::Complete(out) => {
                assert_eq!(out, expected);
                return distinct;
            }
            FountainProgress::Collecting { distinct: d, .. } => assert_eq!(d, distinct),
            FountainProgress::Duplicate => panic!("no ESI repeats"),
        }
    }
    unreachable!()
}

#[test]
fn hundred_lossy_runs_stay_within_overhead_bounds() {
    // K = 16, 79, 98 and 128; the last is the largest blob at the largest symbol size. (Larger K
    // pass too, but raptorq's debug assertions make K = 512 take ~40 s in a debug build.)
    for (len, symbol_size) in [
        (1_000, 64),
        (20_000, 256),
        (100_000, 1_024),
        (262_144, 2_048),
    ] {
        let data = blob(len, len as u64);
        let k = len.div_ceil(symbol_size);
        let mut total = 0;
        let mut entropy = SeededEntropy::new(42);
        let encoder = FountainEncoder::new(&data, symbol_size as u16).unwrap();
        assert_eq!(encoder.source_symbols() as usize, k);
        let started = std::time::Instant::now();
        for _ in 0..100 {
            let needed = run(&encoder, &data, 20, &mut entropy);
            assert!(
                needed <= k + 3,
                "len {len}: needed {needed} > K + 3 = {}",
                k + 3
            );
            total += needed;
        }
        let mean = total as f64 / 100.0;
        println!(
            "len {len}, K {k}: mean {mean} distinct frames, {:?}",
            started.elapsed()
        );
        assert!(
            mean <= 1.02 * k as f64,
            "len {len}: mean {mean} > 1.02 K = {}",
            1.02 * k as f64
        );
    }
}

#[test]
fn frames_in_any_order_with_duplicates_reconstruct() {
    let data = blob(5_000, 7);
    let encoder = FountainEncoder::new(&data, 128).unwrap();
    let k = encoder.source_symbols();
    let mut decoder = FountainDecoder::default();
    // Repair symbols only, far along the ESI space, in reverse order, each twice.
    let mut result = None;
    for esi in (k + 1_000..k + 1_000 + k + 10).rev() {
        let frame = encoder.frame(esi);
        let first = decoder.push(&frame).unwrap();
        if let FountainProgress::Complete(out) = first {
            result = Some(out);
            break;
        }
        assert_eq!(decoder.push(&frame).unwrap(), FountainProgress::Duplicate);
    }
    assert_eq!(result, Some(data));
}

#[test]
fn single_symbol_and_tiny_blobs() {
    for len in [1, 7, 64, 65] {
        let data = blob(len, len as u64);
        let mut encoder = FountainEncoder::new(&data, 64).unwrap();
        let mut decoder = FountainDecoder::default();
        let mut out = None;
        for _ in 0..10 {
            if let FountainProgress::Complete(blob) = decoder.push(&encoder.next_frame()).unwrap() {
                out = Some(blob);
                break;
            }
        }
        assert_eq!(out, Some(data), "len {len}");
    }
}

#[test]
fn encoder_refuses_out_of_bounds_parameters() {
    assert!(FountainEncoder::new(&[], 64).is_err());
    assert!(FountainEncoder::new(&[0; 10], 56).is_err());
    assert!(FountainEncoder::new(&[0; 10], 2_056).is_err());
    assert!(FountainEncoder::new(&[0; 10], 100).is_err());
    assert!(FountainEncoder::new(&vec![0; 262_145], 2_048).is_err());
}

fn frame_with(header: [u8; 10], sbn: u8, esi: u32, symbol: &[u8]) -> Vec<u8> {
    let mut frame = header.to_vec();
    frame.push(sbn);
    frame.extend_from_slice(&esi.to_be_bytes()[1..]);
    frame.extend_from_slice(symbol);
    frame
}

fn header(id: [u8; 4], blob_len: u32, symbol_size: u16) -> [u8; 10] {
    let mut h = [0u8; 10];
    h[..4].copy_from_slice(&id);
    h[4..8].copy_from_slice(&blob_len.to_be_bytes());
    h[8..].copy_from_slice(&symbol_size.to_be_bytes());
    h
}

#[test]
fn malformed_frames_are_rejected_before_raptorq() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("header only", header([0; 4], 100, 64).to_vec()),
        (
            "blob_len 0",
            frame_with(header([0; 4], 0, 64), 0, 0, &[0; 64]),
        ),
        (
            "blob_len above 262144",
            frame_with(header([0; 4], 262_145, 2_048), 0, 0, &[0; 2_048]),
        ),
        (
            "symbol size not a multiple of 8",
            frame_with(header([0; 4], 100, 68), 0, 0, &[0; 68]),
        ),
        (
            "symbol size below 64",
            frame_with(header([0; 4], 100, 56), 0, 0, &[0; 56]),
        ),
        (
            "symbol size above 2048",
            frame_with(header([0; 4], 100, 2_056), 0, 0, &[0; 2_056]),
        ),
        // With blob_len ≤ 262 144 and T ≥ 64, K ≤ 4 096: the 8 192 bound can never bind alone.
        (
            "more than 8192 symbols",
            frame_with(header([0; 4], 8_193 * 64, 64), 0, 0, &[0; 64]),
        ),
        (
            "source block 1",
            frame_with(header([0; 4], 100, 64), 1, 0, &[0; 64]),
        ),
        (
            "symbol one byte short",
            frame_with(header([0; 4], 100, 64), 0, 0, &[0; 63]),
        ),
        (
            "symbol one byte long",
            frame_with(header([0; 4], 100, 64), 0, 0, &[0; 65]),
        ),
    ];
    for (name, frame) in cases {
        let mut decoder = FountainDecoder::default();
        assert_eq!(
            decoder.push(&frame),
            Err(FountainError::Malformed),
            "{name}"
        );
    }
}

#[test]
fn foreign_inconsistent_and_corrupt_frames_are_rejected() {
    let data = blob(1_000, 1);
    let encoder = FountainEncoder::new(&data, 64).unwrap();
    let id = msg_id(&data);
    let mut decoder = FountainDecoder::default();
    assert!(matches!(
        decoder.push(&encoder.frame(0)),
        Ok(FountainProgress::Collecting { .. })
    ));
    let other = FountainEncoder::new(&blob(1_000, 2), 64).unwrap();
    assert_eq!(decoder.push(&other.frame(1)), Err(FountainError::Foreign));
    assert_eq!(
        decoder.push(&frame_with(header(id, 1_000, 128), 0, 1, &[0; 128])),
        Err(FountainError::Inconsistent)
    );
    assert_eq!(
        decoder.push(&frame_with(header(id, 999, 64), 0, 1, &[0; 64])),
        Err(FountainError::Inconsistent)
    );

    // A corrupted symbol leads to a blob whose SHA-256 does not match: rejected, not returned.
    let mut decoder = FountainDecoder::default();
    let mut outcome = Ok(FountainProgress::Duplicate);
    for esi in 0..encoder.source_symbols() {
        let mut frame = encoder.frame(esi);
        if esi == 3 {
            frame[20] ^= 1;
        }
        outcome = decoder.push(&frame);
    }
    assert_eq!(outcome, Err(FountainError::Corrupt));
}

#[test]
fn symbol_sizes_are_even_and_within_bounds() {
    use protocol::fountain::symbol_size_for;
    assert_eq!(symbol_size_for(700, 624), 352);
    assert_eq!(symbol_size_for(624, 624), 624);
    assert_eq!(symbol_size_for(625, 624), 320);
    assert_eq!(symbol_size_for(10, 624), 64);
    assert_eq!(symbol_size_for(0, 624), 64);
    assert_eq!(symbol_size_for(1_000_000, 5000), 2048);
    assert_eq!(symbol_size_for(20_000, 30), 64);
    for len in (1..20_000).step_by(97) {
        let t = symbol_size_for(len, 736);
        assert!(
            t.is_multiple_of(8) && (64..=736).contains(&t),
            "{len} → {t}"
        );
        let k = len.div_ceil(usize::from(t));
        assert_eq!(
            k,
            len.div_ceil(736).max(1),
            "{len}: as few symbols as 736 allows"
        );
        // Every frame of the blob reconstructs it.
        let blob: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let mut encoder = FountainEncoder::new(&blob, t).expect("valid");
        let mut decoder = FountainDecoder::default();
        let mut done = None;
        for _ in 0..k + 8 {
            if let Ok(FountainProgress::Complete(b)) = decoder.push(&encoder.next_frame()) {
                done = Some(b);
                break;
            }
        }
        assert_eq!(done.as_deref(), Some(&blob[..]), "{len}");
    }
}
