//! Data parallelism for the review's stages: one list of independent
//! items split into equal parts, one part per core (up to 8), results in
//! order. (Many stacks, whose sizes vary, are spread by `stacks::pool`.)

/// How many threads [`map`] and [`each_mut`] split `n` items over:
/// every core (up to 8); one for small inputs.
fn threads_for(n: usize) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if n < 256 { 1 } else { threads }
}

/// `f` over `items` on every core (up to 8), results in order. For the
/// stages whose items are independent and each parses values: classifying
/// changes, reading parity attributes, rendering change blocks. Small
/// inputs stay on one thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| s.spawn(|| part.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("review worker thread panicked")).collect()
    })
}

/// `f` on each of `items` in place, on every core like [`map`].
pub fn each_mut<T: Send>(items: &mut [T], f: impl Fn(&mut T) + Sync) {
    let threads = threads_for(items.len());
    if threads < 2 {
        items.iter_mut().for_each(f);
        return;
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in items.chunks_mut(chunk) {
            s.spawn(|| part.iter_mut().for_each(&f));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_and_every_item_is_visited_once() {
        for n in [0, 1, 255, 256, 1001] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(map(&items, |x| x * 3), items.iter().map(|x| x * 3).collect::<Vec<_>>(), "{n}");
            let mut counts = vec![0u8; n];
            each_mut(&mut counts, |c| *c += 1);
            assert!(counts.iter().all(|&c| c == 1), "{n}");
        }
    }
}
