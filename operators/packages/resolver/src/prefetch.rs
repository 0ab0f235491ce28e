//! Metadata fetched at most once per key, in parallel, ahead of the solver.
//!
//! The solver (PubGrub's `resolve`) is synchronous and runs on a blocking thread. Providers
//! call [`Prefetcher::spawn`] for every package they expect the solver to ask about (the
//! dependencies of the version it will most likely pick), which starts the fetch on the
//! async runtime at once; when the solver does ask, [`Prefetcher::get_blocking`] waits only
//! for whatever is still in flight. This is pubgrub's caching-provider shape with async
//! fetches filling the cache, as uv does it.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Cell<T, E> = Arc<OnceCell<Result<Arc<T>, Arc<E>>>>;

pub struct Prefetcher<K, T, E> {
    cells: Mutex<HashMap<K, Cell<T, E>>>,
    handle: tokio::runtime::Handle,
}

impl<K, T, E> Prefetcher<K, T, E>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    T: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    pub fn new(handle: tokio::runtime::Handle) -> Self {
        Prefetcher { cells: Mutex::new(HashMap::new()), handle }
    }

    fn cell(&self, key: &K) -> (Cell<T, E>, bool) {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        match cells.get(key) {
            Some(c) => (c.clone(), false),
            None => {
                let c: Cell<T, E> = Arc::new(OnceCell::new());
                cells.insert(key.clone(), c.clone());
                (c, true)
            }
        }
    }

    /// Starts fetching `key` in the background unless it was started before.
    pub fn spawn<F, Fut>(&self, key: &K, fetch: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (cell, new) = self.cell(key);
        if new {
            let fut = fetch();
            self.handle.spawn(async move {
                let _ = cell.get_or_init(|| async move { fut.await.map(Arc::new).map_err(Arc::new) }).await;
            });
        }
    }

    /// The value of `key`, fetching it now if nobody started it; waits for an in-flight fetch.
    /// Call from a blocking thread (not from async code).
    pub fn get_blocking<F, Fut>(&self, key: &K, fetch: F) -> Result<Arc<T>, Arc<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (cell, _) = self.cell(key);
        if let Some(v) = cell.get() {
            return v.clone();
        }
        let fut = fetch();
        self.handle.block_on(async move { cell.get_or_init(|| async move { fut.await.map(Arc::new).map_err(Arc::new) }).await.clone() })
    }

    /// The value if it is already there.
    pub fn peek(&self, key: &K) -> Option<Result<Arc<T>, Arc<E>>> {
        let cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.get(key).and_then(|c| c.get().cloned())
    }

    /// How many keys were requested.
    pub fn len(&self) -> usize {
        self.cells.lock().map(|c| c.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
