//! Where requests do their heavy computing (a tile drawn, related sheets ranked, a mosaic, a
//! listing or a search over the index): on a few blocking threads, one per core, never on
//! the async workers, so that `/health`, cached tiles and the change feed are answered however
//! busy the index is. Requests queue for a thread; past [`QUEUE`] waiting, a new one is
//! refused at once ([`Busy`], a 503 with `Retry-After`) rather than held until it times out.
//!
//! A request abandoned while it waits (its client gone, its time limit passed) never starts:
//! the wait is part of the request's future, which is dropped.
//!
//! One exception: a tile whose cost is bounded and small whatever the number of sheets (no
//! filter, its kept parts drawn: [`crate::tiles::Tiles::render_at_once`]) is drawn on the async
//! worker that asks, since handing it here and back costs more than drawing it.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

/// Requests that may wait for a thread; more are refused.
pub const QUEUE: usize = 256;

/// The work could not be queued: every thread is busy and the queue is full.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the server is busy: try again shortly")]
pub struct Busy;

pub struct Work {
    threads: Semaphore,
    size: usize,
    waiting: AtomicUsize,
    queue: usize,
}

impl Work {
    /// `threads` computations at a time (at least one), `queue` more waiting.
    pub fn new(threads: usize, queue: usize) -> Self {
        let size = threads.max(1);
        Work { threads: Semaphore::new(size), size, waiting: AtomicUsize::new(0), queue }
    }

    /// One thread per core.
    pub fn per_core() -> Self {
        Work::new(std::thread::available_parallelism().map_or(2, |n| n.get()), QUEUE)
    }

    /// Runs `work` on a blocking thread once one of ours is free; [`Busy`] at once when the
    /// queue is full. A panic in `work` is resumed in the caller (where the server turns it
    /// into a JSON 500).
    pub async fn run<R: Send + 'static>(&self, work: impl FnOnce() -> R + Send + 'static) -> Result<R, Busy> {
        let in_queue = Waiting::enter(&self.waiting);
        if in_queue.ahead >= self.queue {
            return Err(Busy);
        }
        let turn = self.threads.acquire().await;
        drop(in_queue);
        let _turn = turn.expect("the semaphore is never closed");
        match tokio::task::spawn_blocking(work).await {
            Ok(out) => Ok(out),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Computations waiting for a thread now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Threads computing now, and how many there are.
    pub fn busy(&self) -> (usize, usize) {
        (self.size - self.threads.available_permits(), self.size)
    }
}

/// A place in the queue, left when dropped (also when the request is abandoned while waiting).
struct Waiting<'a> {
    count: &'a AtomicUsize,
    /// Requests waiting before this one came.
    ahead: usize,
}

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        Waiting { count, ahead: count.fetch_add(1, Ordering::AcqRel) }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_and_a_free_thread_serves_again() {
        let work = Arc::new(Work::new(1, 2));
        let (release, held) = mpsc::channel::<()>();
        let held = Arc::new(std::sync::Mutex::new(held));
        // One running (held), two waiting: the queue is full.
        let mut tasks = vec![];
        for n in 0..3 {
            let (work, held) = (work.clone(), held.clone());
            tasks.push(tokio::spawn(async move { work.run(move || held.lock().unwrap().recv().map(|_| n)).await }));
        }
        while work.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(work.run(|| 0).await, Err(Busy)), "a fourth is refused while three are in");
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        let mut done: Vec<i32> = vec![];
        for t in tasks {
            done.push(t.await.unwrap().expect("queued work runs").unwrap());
        }
        done.sort();
        assert_eq!(done, [0, 1, 2]);
        assert_eq!(work.run(|| 7).await.unwrap(), 7, "accepted again once the queue drains");
    }

    #[tokio::test]
    async fn work_abandoned_while_waiting_never_runs() {
        let work = Arc::new(Work::new(1, 8));
        let (release, held) = mpsc::channel::<()>();
        let running = tokio::spawn({
            let work = work.clone();
            async move { work.run(move || held.recv().unwrap()).await }
        });
        while work.threads.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let abandoned = {
            let ran = ran.clone();
            let work = work.clone();
            tokio::time::timeout(
                std::time::Duration::from_millis(50),
                async move { work.run(move || ran.store(true, Ordering::SeqCst)).await },
            )
            .await
        };
        assert!(abandoned.is_err(), "it waited past its time limit");
        release.send(()).unwrap();
        running.await.unwrap().unwrap();
        work.run(|| ()).await.unwrap();
        assert!(!ran.load(Ordering::SeqCst), "the abandoned work was dropped, not run later");
        assert_eq!(work.waiting(), 0, "and it left the queue");
    }
}
