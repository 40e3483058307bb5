//! The webhook outbox: a bounded queue of tasks whose exports are to be delivered, read by
//! one background worker (`webhooks::run_worker`), and the callers waiting for a task's
//! deliveries to be over. A task is in the outbox from the moment it is queued until its
//! outcome is applied; queuing it again meanwhile adds a waiter, never a second delivery.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot};

/// How many tasks may wait in the queue. Beyond it, a caller that does not wait leaves the
/// export pending in the database, and the ticker offers it again at its next tick.
pub const QUEUE_CAPACITY: usize = 1024;

/// The sending side, shared by every caller through `AppState`.
pub struct Outbox {
    sender: mpsc::Sender<i64>,
    /// The tasks queued or being delivered, each with the callers waiting for it.
    in_flight: Mutex<HashMap<i64, Vec<oneshot::Sender<()>>>>,
}

/// The worker's side of the queue.
pub type OutboxReceiver = mpsc::Receiver<i64>;

impl Outbox {
    /// A new outbox of `capacity` and the receiver its worker reads.
    pub fn new(capacity: usize) -> (Self, OutboxReceiver) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let outbox = Self {
            sender,
            in_flight: Mutex::new(HashMap::new()),
        };
        (outbox, receiver)
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<oneshot::Sender<()>>>> {
        // A poisoned lock only means a panic elsewhere while it was held; the map is still
        // consistent (every change to it is one insert or remove).
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues the tasks and waits until the deliveries of each are over and their outcomes
    /// applied. Waits for room when the queue is full.
    pub async fn deliver_and_wait(&self, task_ids: &[i64]) {
        let mut done = Vec::with_capacity(task_ids.len());
        for &task_id in task_ids {
            let (notify, wait) = oneshot::channel();
            let queue = {
                let mut in_flight = self.in_flight();
                match in_flight.get_mut(&task_id) {
                    Some(waiters) => {
                        waiters.push(notify);
                        false
                    }
                    None => {
                        in_flight.insert(task_id, vec![notify]);
                        true
                    }
                }
            };
            if queue && self.sender.send(task_id).await.is_err() {
                // No worker (it stopped with the server): nothing will deliver it now; the
                // export stays pending for the next start.
                self.in_flight().remove(&task_id);
                continue;
            }
            done.push(wait);
        }
        for wait in done {
            let _ = wait.await;
        }
    }

    /// Queues the tasks without waiting; returns how many were queued. A task already in
    /// flight is not queued twice; when the queue is full the rest stay pending in the
    /// database for a later offer.
    pub fn offer(&self, task_ids: &[i64]) -> usize {
        let mut queued = 0;
        let mut in_flight = self.in_flight();
        for &task_id in task_ids {
            if in_flight.contains_key(&task_id) {
                continue;
            }
            match self.sender.try_send(task_id) {
                Ok(()) => {
                    in_flight.insert(task_id, Vec::new());
                    queued += 1;
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(
                        task = task_id,
                        capacity = QUEUE_CAPACITY,
                        "the webhook queue is full; the export stays pending until the next tick"
                    );
                    break;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => break,
            }
        }
        queued
    }

    /// Called by the worker once a task's deliveries are over and their outcome applied:
    /// wakes its waiters, and lets it be queued again.
    pub fn done(&self, task_id: i64) {
        let waiters = self.in_flight().remove(&task_id).unwrap_or_default();
        for waiter in waiters {
            let _ = waiter.send(());
        }
    }

    /// How many callers wait for the task's deliveries; `None` when it is not in flight.
    pub fn waiters(&self, task_id: i64) -> Option<usize> {
        self.in_flight().get(&task_id).map(Vec::len)
    }

    /// How many tasks are queued or being delivered.
    pub fn len(&self) -> usize {
        self.in_flight().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_in_flight_is_queued_once_and_every_waiter_is_woken() {
        let (outbox, mut receiver) = Outbox::new(4);
        let outbox = std::sync::Arc::new(outbox);
        let waiting = {
            let outbox = outbox.clone();
            tokio::spawn(async move { outbox.deliver_and_wait(&[7]).await })
        };
        // Received, so registered: the waiter is added before the task is sent.
        assert_eq!(receiver.recv().await, Some(7));
        assert_eq!(outbox.offer(&[7, 8, 8]), 1);
        assert_eq!(receiver.recv().await, Some(8));
        outbox.done(7);
        waiting.await.unwrap();
        assert!(
            receiver.try_recv().is_err(),
            "7 was not queued a second time"
        );
        assert_eq!(outbox.len(), 1);
        outbox.done(8);
        assert!(outbox.is_empty());
    }

    #[test]
    fn a_full_queue_leaves_the_rest_for_later() {
        let (outbox, _receiver) = Outbox::new(2);
        assert_eq!(outbox.offer(&[1, 2, 3, 4]), 2);
        assert_eq!(outbox.len(), 2);
    }
}
