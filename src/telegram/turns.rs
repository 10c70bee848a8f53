//! One user's updates handled one at a time, in the order they arrived, while different
//! users' run at once: what the polling loop's per-user queues do, for a webhook whose
//! POSTs come concurrently.
//!
//! Flood control needs this order: a flooding user's questions then wait behind each
//! other, not beside everyone else's, and that wait counts against their limit (see
//! [`super::flood`]). Each user's lock is a fair (first come, first served) `tokio` mutex,
//! and it is forgotten when nobody holds or waits for it, so the map holds only the users
//! with an update in hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// The users with an update in hand, each with the lock their updates take in turn.
#[derive(Debug, Default)]
pub struct Turns {
    locks: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>,
}

/// A user's turn: their next update waits until this is dropped.
#[derive(Debug)]
pub struct Turn<'a> {
    turns: &'a Turns,
    user: u64,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Turns {
    /// Waits until the user's earlier updates are done, and takes the turn.
    pub async fn take(&self, user: u64) -> Turn<'_> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            locks.entry(user).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        Turn { turns: self, user, guard: Some(guard) }
    }

    /// How many of the user's updates hold or wait for a turn.
    pub fn ahead(&self, user: u64) -> usize {
        let locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        locks.get(&user).map_or(0, |lock| Arc::strong_count(lock) - 1)
    }

    /// How many users have an update in hand.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.locks.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut locks = self.turns.locks.lock().unwrap_or_else(PoisonError::into_inner);
        drop(self.guard.take());
        // The map's copy and no other: nobody holds or waits for this user's lock.
        if locks.get(&self.user).is_some_and(|lock| Arc::strong_count(lock) == 1) {
            locks.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_users_updates_wait_for_each_other_in_order() {
        let turns = Arc::new(Turns::default());
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = turns.take(1).await;
        let mut waiting = Vec::new();
        for step in 1..=3 {
            let (turns, order) = (turns.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = turns.take(1).await;
                order.lock().unwrap_or_else(PoisonError::into_inner).push(step);
            }));
            // Each waiter queues before the next one starts.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(turns.ahead(1), 4, "the first holds its turn, three wait");
        assert_eq!(turns.ahead(3), 0);
        let other = tokio::time::timeout(Duration::from_secs(1), turns.take(2)).await;
        assert!(other.is_ok(), "another user does not wait");
        drop(other);
        assert!(order.lock().unwrap_or_else(PoisonError::into_inner).is_empty(), "all wait for the first");
        drop(first);
        for task in waiting {
            task.await.expect("waiter");
        }
        assert_eq!(*order.lock().unwrap_or_else(PoisonError::into_inner), [1, 2, 3]);
        assert_eq!(turns.len(), 0, "users with nothing in hand are forgotten");
    }
}
