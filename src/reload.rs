//! What triggers a reload of the knowledge while the bot runs: SIGHUP, and with
//! `callbot bot --watch` a change to a file of the knowledge folder (through `notify`).
//! The reload itself, which keeps the running knowledge when the edit is invalid, is
//! [`Reloader::reload`].

use std::path::Path;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::engine::Reloader;

/// How long a burst of file events (an editor's save is several) is gathered before one
/// reload.
pub const SETTLE: Duration = Duration::from_millis(100);

/// Reloads on every SIGHUP, from now on (the handler is installed when this is called,
/// so a SIGHUP no longer ends the process). Must be called within a tokio runtime.
#[cfg(unix)]
pub fn on_hangup(reloader: Reloader) -> std::io::Result<()> {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            log::info!("SIGHUP: reloading the knowledge from {}", reloader.knowledge());
            reload(&reloader).await;
        }
    });
    Ok(())
}

/// Watches the knowledge folder and reloads when a file in it changes; the returned
/// watcher must be kept for as long as watching should go on. Must be called within a
/// tokio runtime.
pub fn watch(reloader: Reloader, dir: &Path) -> notify::Result<RecommendedWatcher> {
    let (changed, mut changes) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
        Ok(event)
            if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)) =>
        {
            let _ = changed.send(());
        }
        Ok(_) => {}
        Err(error) => log::warn!("watching the knowledge: {error}"),
    })?;
    watcher.watch(dir, RecursiveMode::Recursive)?;
    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            tokio::time::sleep(SETTLE).await;
            while changes.try_recv().is_ok() {}
            log::info!("the knowledge changed: reloading it from {}", reloader.knowledge());
            reload(&reloader).await;
        }
    });
    Ok(watcher)
}

/// Reloads off the async threads (building the matcher takes a few milliseconds of CPU).
async fn reload(reloader: &Reloader) {
    let reloader = reloader.clone();
    if let Err(error) = tokio::task::spawn_blocking(move || reloader.reload()).await {
        log::error!("the reload failed: {error}");
    }
}
